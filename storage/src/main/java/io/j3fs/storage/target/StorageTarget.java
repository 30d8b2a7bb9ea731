package io.j3fs.storage.target;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.TargetId;
import io.j3fs.storage.chunk.ChunkEngine;

/**
 * One target on this node: its chunk engine and its replication state, kept from the routing info
 * the node follows.
 *
 * <p>"In sync" is the target's own, durable claim that its data is current. It is what the node
 * reports (UP_TO_DATE or not) and it decides reads:
 *
 * <ul>
 *   <li>set when resync completes (SyncDone), when the target is created empty for a chain that
 *       never held data, or when it is the only serving target left (nothing newer exists);
 *   <li>cleared when its chain has moved on without it (public state WAITING or OFFLINE), and after
 *       an unclean shutdown (the engine was not closed: writes may have been lost or torn).
 * </ul>
 *
 * A target that is not in sync while mgmtd still lists it serving beside another serving target
 * reports OFFLINE, so that mgmtd takes it out of the chain; it then reports ONLINE and comes back
 * through waiting, syncing and resync (3FS's storage does the same on seeing itself offline).
 *
 * <p>Thread-safety: state fields are volatile; {@link #update} and {@link #localState} run on the
 * node's agent thread, reads of the state from any handler thread.
 */
public final class StorageTarget implements AutoCloseable {
  private static final String IN_SYNC_PROPERTY = "in-sync";
  private static final String EMPTY_PROPERTY = "recreated-empty";

  private final TargetId id;
  private final int diskIndex;
  private final ChunkEngine engine;
  private volatile boolean inSync;

  /**
   * Created empty for a chain whose data lives elsewhere (a wiped disk): its copy is worthless
   * until resync, so it may never declare itself current, even when nothing else serves.
   */
  private volatile boolean recreatedEmpty;

  private volatile ChainId chain = ChainId.of(0);
  private volatile RoutingInfo.Chain chainInfo;

  /**
   * @param created whether the target was just created empty (else opened with its data)
   * @param current for a created target: whether empty is current for its chain
   */
  public StorageTarget(
      TargetId id, int diskIndex, ChunkEngine engine, boolean created, boolean current) {
    this.id = id;
    this.diskIndex = diskIndex;
    this.engine = engine;
    if (created && !current) {
      engine.store().putProperty(EMPTY_PROPERTY, "true", true);
    }
    recreatedEmpty = "true".equals(engine.store().property(EMPTY_PROPERTY));
    boolean createdFresh = created && current;
    boolean stored = "true".equals(engine.store().property(IN_SYNC_PROPERTY));
    // After a crash the target's last writes may be lost or torn: it resyncs before serving.
    boolean sync = createdFresh || (stored && engine.openedClean());
    setInSync(sync);
  }

  public TargetId id() {
    return id;
  }

  public int diskIndex() {
    return diskIndex;
  }

  public ChunkEngine engine() {
    return engine;
  }

  public ChainId chain() {
    return chain;
  }

  /** The chain as of the routing info last applied (null: in no chain). */
  public RoutingInfo.Chain chainInfo() {
    return chainInfo;
  }

  public boolean inSync() {
    return inSync;
  }

  private void setInSync(boolean value) {
    if (inSync != value || engine.store().property(IN_SYNC_PROPERTY) == null) {
      engine.store().putProperty(IN_SYNC_PROPERTY, Boolean.toString(value), true);
    }
    inSync = value;
  }

  /** Resync finished: this target holds everything its predecessor does. */
  public void syncDone() {
    if (recreatedEmpty) {
      engine.store().putProperty(EMPTY_PROPERTY, "false", true);
      recreatedEmpty = false;
    }
    setInSync(true);
  }

  /** Whether this target was recreated empty and has not resynced (reported to mgmtd). */
  public boolean empty() {
    return recreatedEmpty;
  }

  /** Whether the data here may be stale (reported to mgmtd with each heartbeat). */
  public boolean behind() {
    return !inSync;
  }

  /** This target's public state in its chain, or null if it is in no chain. */
  public PublicState publicState() {
    RoutingInfo.Chain c = chainInfo;
    if (c == null) {
      return null;
    }
    RoutingInfo.Member member = c.member(id);
    return member == null ? null : member.state();
  }

  /** Applies new routing info: the chain and this target's place in it. */
  public void update(RoutingInfo routing) {
    RoutingInfo.Target target = routing.targets().get(id);
    if (target == null || target.chain().value() == 0) {
      chain = ChainId.of(0);
      chainInfo = null;
      return;
    }
    chain = target.chain();
    chainInfo = routing.chains().get(target.chain());
  }

  /** What the next heartbeat says of this target (see the class comment). */
  public LocalState localState() {
    PublicState state = publicState();
    if (state == null) {
      return inSync ? LocalState.UP_TO_DATE : LocalState.ONLINE;
    }
    return switch (state) {
      case SERVING -> {
        if (inSync) {
          yield LocalState.UP_TO_DATE;
        }
        boolean othersServe =
            chainInfo.members().stream()
                .anyMatch(m -> !m.target().equals(id) && m.state() == PublicState.SERVING);
        if (othersServe) {
          yield LocalState.OFFLINE;
        }
        if (recreatedEmpty) {
          // Nothing else serves, but an empty copy is no copy: wait for the one with the data.
          yield LocalState.OFFLINE;
        }
        setInSync(true); // the only serving replica, with its own data: nothing newer exists
        yield LocalState.UP_TO_DATE;
      }
      case SYNCING -> inSync ? LocalState.UP_TO_DATE : LocalState.ONLINE;
      case LASTSRV ->
          inSync ? LocalState.UP_TO_DATE : recreatedEmpty ? LocalState.OFFLINE : LocalState.ONLINE;
      case WAITING, OFFLINE -> {
        if (inSync) {
          setInSync(false); // the chain moved on without us: we may miss writes
        }
        yield LocalState.ONLINE;
      }
    };
  }

  /**
   * The target's chain, if the caller routed by the same chain version; else
   * ROUTING_VERSION_MISMATCH (and {@code onNewer} runs when the caller's version is newer, so this
   * node refreshes its routing). TARGET_NOT_SERVING if the target is in no chain. Every request
   * that names a chain version is checked here.
   */
  public RoutingInfo.Chain chainAt(long requestVersion, Runnable onNewer) {
    RoutingInfo.Chain c = chainInfo;
    if (c == null) {
      throw new io.j3fs.common.status.StatusException(
          io.j3fs.common.status.StatusCode.TARGET_NOT_SERVING, "target " + id + " is in no chain");
    }
    if (c.version() != requestVersion) {
      if (requestVersion > c.version()) {
        onNewer.run();
      }
      throw new io.j3fs.common.status.StatusException(
          io.j3fs.common.status.StatusCode.ROUTING_VERSION_MISMATCH,
          "chain "
              + c.id()
              + " is at version "
              + c.version()
              + " here; the request routed by version "
              + requestVersion);
    }
    return c;
  }

  /** Whether reads may be served: serving in the chain and in sync. */
  public boolean readable() {
    return inSync && publicState() == PublicState.SERVING;
  }

  @Override
  public void close() {
    engine.close();
  }
}
