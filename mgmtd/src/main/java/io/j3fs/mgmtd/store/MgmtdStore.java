package io.j3fs.mgmtd.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.keys.KeyPrefix;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.mgmtd.state.Chain;
import io.j3fs.mgmtd.state.ChainTarget;
import io.j3fs.proto.mgmtd.store.ChainRecord;
import io.j3fs.proto.mgmtd.store.NodeRecord;
import io.j3fs.proto.mgmtd.store.TargetRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * How the cluster manager's durable state is laid out in the KV store (3FS's MgmtdStore): nodes
 * under {@code NODE}, targets under {@code TGIF}, chains under {@code CHIF}, each followed by its
 * id in 8 big-endian bytes so a range scan returns them in id order. Values are protobuf records
 * with a schema version. Local target states are not stored: they live in the primary's memory and
 * come back with the next heartbeats, as in 3FS.
 *
 * <p>Stateless: every method works inside the caller's transaction, so writes join the lease check
 * of {@link io.j3fs.mgmtd.lease.LeaseElection#writeAsPrimary}.
 */
public final class MgmtdStore {
  private static final int SCHEMA_VERSION = 1;

  private MgmtdStore() {}

  /** A node as stored. */
  public record StoredNode(
      NodeId id, NodeType type, String address, List<String> tags, boolean disabled) {}

  /** A target's placement as stored. */
  public record StoredTarget(TargetId id, NodeId node, ChainId chain, int diskIndex) {}

  /** One version of a chain table. */
  public record StoredChainTable(int tableId, int version, List<ChainId> chains) {}

  /** Everything a new primary loads (chain tables: every stored version, oldest first). */
  public record Snapshot(
      List<StoredNode> nodes,
      List<StoredTarget> targets,
      List<Chain> chains,
      List<StoredChainTable> chainTables) {}

  public static void putChainTable(Transaction tx, StoredChainTable table) {
    io.j3fs.proto.mgmtd.store.ChainTableRecord.Builder record =
        io.j3fs.proto.mgmtd.store.ChainTableRecord.newBuilder()
            .setSchemaVersion(SCHEMA_VERSION)
            .setTableId(table.tableId())
            .setVersion(table.version());
    table.chains().forEach(chain -> record.addChainIds(chain.value()));
    tx.set(
        KeyPrefix.CHAIN_TABLE.key(
            ByteBuffer.allocate(8).putInt(table.tableId()).putInt(table.version()).array()),
        record.build().toByteArray());
  }

  private static byte[] key(KeyPrefix prefix, long id) {
    return prefix.key(ByteBuffer.allocate(8).putLong(id).array());
  }

  public static void putNode(Transaction tx, StoredNode node) {
    tx.set(
        key(KeyPrefix.NODE, node.id().value()),
        NodeRecord.newBuilder()
            .setSchemaVersion(SCHEMA_VERSION)
            .setNodeId(node.id().value())
            .setType(node.type().name())
            .setAddress(node.address())
            .addAllTags(node.tags())
            .setDisabled(node.disabled())
            .build()
            .toByteArray());
  }

  /** One stored node, or null. */
  public static StoredNode node(ReadTransaction tx, NodeId id) {
    byte[] value = tx.get(key(KeyPrefix.NODE, id.value()));
    if (value == null) {
      return null;
    }
    NodeRecord record =
        parse(new KeyValue(key(KeyPrefix.NODE, id.value()), value), NodeRecord.parser());
    return new StoredNode(
        id,
        NodeType.valueOf(record.getType()),
        record.getAddress(),
        List.copyOf(record.getTagsList()),
        record.getDisabled());
  }

  public static void putTarget(Transaction tx, StoredTarget target) {
    tx.set(
        key(KeyPrefix.TARGET, target.id().value()),
        TargetRecord.newBuilder()
            .setSchemaVersion(SCHEMA_VERSION)
            .setTargetId(target.id().value())
            .setNodeId(target.node().value())
            .setChainId(target.chain().value())
            .setDiskIndex(target.diskIndex())
            .build()
            .toByteArray());
  }

  public static void putChain(Transaction tx, Chain chain) {
    ChainRecord.Builder record =
        ChainRecord.newBuilder()
            .setSchemaVersion(SCHEMA_VERSION)
            .setChainId(chain.id().value())
            .setVersion(chain.version());
    for (ChainTarget member : chain.targets()) {
      record.addMembers(
          ChainRecord.Member.newBuilder()
              .setTargetId(member.target().value())
              .setPublicState(member.state().name()));
    }
    tx.set(key(KeyPrefix.CHAIN, chain.id().value()), record.build().toByteArray());
  }

  /** A client session as stored. */
  public record StoredSession(String clientId, String description, long lastExtendedMs) {}

  public static void putSession(Transaction tx, StoredSession session) {
    tx.set(
        KeyPrefix.CLIENT_SESSION.key(session.clientId()),
        io.j3fs.proto.mgmtd.store.ClientSessionRecord.newBuilder()
            .setSchemaVersion(SCHEMA_VERSION)
            .setClientId(session.clientId())
            .setDescription(session.description())
            .setLastExtendedMs(session.lastExtendedMs())
            .build()
            .toByteArray());
  }

  /**
   * Sessions extended at or after {@code notBeforeMs}; older ones (at most {@code maxRemoved} per
   * call, so one call is bounded) are deleted.
   */
  public static List<StoredSession> liveSessions(Transaction tx, long notBeforeMs, int maxRemoved) {
    List<StoredSession> live = new ArrayList<>();
    int removed = 0;
    for (KeyValue kv : scan(tx, KeyPrefix.CLIENT_SESSION)) {
      io.j3fs.proto.mgmtd.store.ClientSessionRecord record =
          parse(kv, io.j3fs.proto.mgmtd.store.ClientSessionRecord.parser());
      if (record.getLastExtendedMs() >= notBeforeMs) {
        live.add(
            new StoredSession(
                record.getClientId(), record.getDescription(), record.getLastExtendedMs()));
      } else if (removed < maxRemoved) {
        tx.clear(kv.key());
        removed++;
      }
    }
    return live;
  }

  /** A stored version of a service type's config. */
  public record StoredConfig(NodeType type, long version, String content) {}

  private static byte[] configPrefix(NodeType type) {
    return KeyPrefix.CONFIG.key(type.name() + "/");
  }

  /** Stores a config version; its key sorts before every older version of the same type. */
  public static void putConfig(Transaction tx, StoredConfig config) {
    byte[] key =
        ByteKeys.concat(
            configPrefix(config.type()),
            ByteBuffer.allocate(8).putLong(-1L - config.version()).array());
    tx.set(
        key,
        io.j3fs.proto.mgmtd.store.ConfigRecord.newBuilder()
            .setSchemaVersion(SCHEMA_VERSION)
            .setNodeType(config.type().name())
            .setVersion(config.version())
            .setContent(config.content())
            .build()
            .toByteArray());
  }

  /**
   * The newest config of a type, or null: one key read thanks to the inverted version in the key.
   */
  public static StoredConfig latestConfig(ReadTransaction tx, NodeType type) {
    byte[] prefix = configPrefix(type);
    List<KeyValue> first = tx.getRange(prefix, ByteKeys.prefixEnd(prefix), 1, false).toList();
    if (first.isEmpty()) {
      return null;
    }
    io.j3fs.proto.mgmtd.store.ConfigRecord record =
        parse(first.getFirst(), io.j3fs.proto.mgmtd.store.ConfigRecord.parser());
    return new StoredConfig(type, record.getVersion(), record.getContent());
  }

  /** Reads the whole durable state (a new primary calls this once). */
  public static Snapshot load(ReadTransaction tx) {
    List<StoredNode> nodes = new ArrayList<>();
    for (KeyValue kv : scan(tx, KeyPrefix.NODE)) {
      NodeRecord record = parse(kv, NodeRecord.parser());
      nodes.add(
          new StoredNode(
              NodeId.of(record.getNodeId()),
              NodeType.valueOf(record.getType()),
              record.getAddress(),
              List.copyOf(record.getTagsList()),
              record.getDisabled()));
    }
    List<StoredTarget> targets = new ArrayList<>();
    for (KeyValue kv : scan(tx, KeyPrefix.TARGET)) {
      TargetRecord record = parse(kv, TargetRecord.parser());
      targets.add(
          new StoredTarget(
              TargetId.of(record.getTargetId()),
              NodeId.of(record.getNodeId()),
              ChainId.of(record.getChainId()),
              record.getDiskIndex()));
    }
    List<Chain> chains = new ArrayList<>();
    for (KeyValue kv : scan(tx, KeyPrefix.CHAIN)) {
      ChainRecord record = parse(kv, ChainRecord.parser());
      List<ChainTarget> members = new ArrayList<>();
      for (ChainRecord.Member member : record.getMembersList()) {
        members.add(
            new ChainTarget(
                TargetId.of(member.getTargetId()), PublicState.valueOf(member.getPublicState())));
      }
      chains.add(new Chain(ChainId.of(record.getChainId()), record.getVersion(), members));
    }
    List<StoredChainTable> tables = new ArrayList<>();
    for (KeyValue kv : scan(tx, KeyPrefix.CHAIN_TABLE)) {
      io.j3fs.proto.mgmtd.store.ChainTableRecord record =
          parse(kv, io.j3fs.proto.mgmtd.store.ChainTableRecord.parser());
      tables.add(
          new StoredChainTable(
              record.getTableId(),
              record.getVersion(),
              record.getChainIdsList().stream().map(ChainId::of).toList()));
    }
    return new Snapshot(nodes, targets, chains, tables);
  }

  private static List<KeyValue> scan(ReadTransaction tx, KeyPrefix prefix) {
    byte[] begin = prefix.bytes();
    return tx.getRange(begin, ByteKeys.prefixEnd(begin)).toList();
  }

  private static <T> T parse(KeyValue kv, com.google.protobuf.Parser<T> parser) {
    try {
      return parser.parseFrom(kv.value());
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new StatusException(
          StatusCode.INTERNAL,
          "stored mgmtd record at "
              + ByteKeys.printable(kv.key())
              + " is corrupt: "
              + e.getMessage());
    }
  }
}
