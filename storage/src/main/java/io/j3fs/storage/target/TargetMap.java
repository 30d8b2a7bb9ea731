package io.j3fs.storage.target;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.mgmtd.LocalTargetInfo;
import io.j3fs.storage.chunk.ChunkEngine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The targets of this node, by id and by chain, following routing info: targets mgmtd places on
 * this node are created when missing, and each target learns its chain and public state. A node
 * holds at most one target of a chain, so a chain id names the local target.
 *
 * <p>Thread-safety: maps are concurrent; {@link #apply} is called by one thread at a time (the
 * routing listener), lookups from any handler.
 */
public final class TargetMap implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TargetMap.class);

  /**
   * Tells whether a target about to be created empty is current: every other member of its chain
   * answers that it holds no chunk. False if any member cannot be asked.
   */
  @FunctionalInterface
  public interface PeerProbe {
    boolean peersHoldNothing(RoutingInfo routing, RoutingInfo.Chain chain, RoutingInfo.Target self);
  }

  private final NodeId node;
  private final TargetFactory factory;
  private final PeerProbe probe;
  private final Map<TargetId, StorageTarget> targets = new ConcurrentHashMap<>();
  private final Map<ChainId, StorageTarget> byChain = new ConcurrentHashMap<>();
  private volatile RoutingInfo routing = RoutingInfo.EMPTY;

  public TargetMap(NodeId node, TargetFactory factory, PeerProbe probe) throws IOException {
    this.node = node;
    this.factory = factory;
    this.probe = probe;
    for (Map.Entry<TargetId, Integer> existing : factory.existing().entrySet()) {
      targets.put(
          existing.getKey(),
          new StorageTarget(
              existing.getKey(),
              existing.getValue(),
              factory.open(existing.getKey(), existing.getValue()),
              false,
              false));
    }
  }

  public NodeId node() {
    return node;
  }

  public RoutingInfo routing() {
    return routing;
  }

  /** Applies new routing info: creates missing targets of this node, updates chain membership. */
  public synchronized void apply(RoutingInfo next) {
    if (next.version() < routing.version()) {
      return;
    }
    for (RoutingInfo.Target placed : next.targetsOn(node)) {
      if (!targets.containsKey(placed.id())) {
        create(next, placed);
      }
    }
    Map<ChainId, StorageTarget> chains = new java.util.HashMap<>();
    for (StorageTarget target : targets.values()) {
      target.update(next);
      if (target.chain().value() != 0) {
        chains.put(target.chain(), target);
      }
    }
    byChain.keySet().retainAll(chains.keySet());
    byChain.putAll(chains);
    routing = next;
  }

  private void create(RoutingInfo next, RoutingInfo.Target placed) {
    if (placed.diskIndex() < 0 || placed.diskIndex() >= factory.disks()) {
      log.error(
          "target {} is placed on disk {} of node {}, which has {} disks",
          placed.id(),
          placed.diskIndex(),
          node,
          factory.disks());
      return;
    }
    try {
      ChunkEngine engine = factory.create(placed.id(), placed.diskIndex());
      targets.put(
          placed.id(),
          new StorageTarget(placed.id(), placed.diskIndex(), engine, true, current(next, placed)));
      log.info("created target {} on disk {}", placed.id(), placed.diskIndex());
    } catch (IOException | RuntimeException e) {
      log.error("cannot create target {}: {}", placed.id(), e.toString());
    }
  }

  /**
   * Whether a target created empty now is current for its chain: it is in no chain yet, or every
   * other member is reachable and holds nothing (a fresh chain). A target recreated after its disk
   * was wiped finds data on a peer (or a peer it cannot ask) and resyncs before it serves; chain
   * versions and reported sizes cannot tell, since a quick restart happens before mgmtd notices.
   * Writes that reach the chain after the check are forwarded to this target like any other.
   */
  private boolean current(RoutingInfo routing, RoutingInfo.Target placed) {
    if (placed.chain().value() == 0) {
      return true;
    }
    RoutingInfo.Chain chain = routing.chains().get(placed.chain());
    if (chain == null) {
      return false;
    }
    try {
      return probe.peersHoldNothing(routing, chain, placed);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The local target of a chain; TARGET_NOT_SERVING if this node holds none. */
  public StorageTarget byChain(ChainId chain) {
    StorageTarget target = byChain.get(chain);
    if (target == null) {
      throw new StatusException(
          StatusCode.TARGET_NOT_SERVING, "node " + node + " holds no target of chain " + chain);
    }
    return target;
  }

  public StorageTarget byId(TargetId id) {
    return targets.get(id);
  }

  public List<StorageTarget> all() {
    return new ArrayList<>(targets.values());
  }

  /** What the next heartbeat reports for every target. */
  public List<LocalTargetInfo> heartbeatInfo() {
    List<LocalTargetInfo> out = new ArrayList<>();
    for (StorageTarget target : targets.values()) {
      RoutingInfo.Target known = routing.targets().get(target.id());
      if (known == null || !known.node().equals(node)) {
        continue; // not (yet) placed here by mgmtd: it refuses reports of targets of other nodes
      }
      ChunkEngine.Space space = target.engine().space();
      RoutingInfo.Chain chain = target.chainInfo();
      out.add(
          LocalTargetInfo.newBuilder()
              .setTargetId(target.id().value())
              .setLocalState(target.localState().name())
              .setDiskIndex(target.diskIndex())
              .setUsedBytes(space.usedBytes())
              .setFreeBytes(space.freeBytes())
              .setChainVersion(chain == null ? 0 : chain.version())
              .setBehind(target.behind())
              .setEmpty(target.empty())
              .build());
    }
    return out;
  }

  @Override
  public void close() {
    for (StorageTarget target : targets.values()) {
      try {
        target.close();
      } catch (RuntimeException e) {
        log.warn("closing target {}: {}", target.id(), e.toString());
      }
    }
    targets.clear();
    byChain.clear();
  }
}
