package io.j3fs.mgmtd.cluster;

import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.mgmtd.state.Chain;
import io.j3fs.mgmtd.state.ChainStateMachine;
import io.j3fs.mgmtd.state.ChainTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The primary's view of the cluster: nodes and their heartbeats, targets and their local states,
 * chains and the routing info version. Time comes from the injected clock, so tests drive minutes
 * of heartbeats in no time.
 *
 * <p>The local states are the triggers of the target state machine: a heartbeat updates them, a
 * node whose heartbeats stop for {@code heartbeatFailIntervalMs} has every target set OFFLINE, and
 * {@link #updateChains()} applies {@link ChainStateMachine} to every chain, bumping the routing
 * version when any chain changed.
 *
 * <p>Not thread-safe: the mgmtd primary calls it from one thread (its operation executor).
 */
public final class ClusterView {
  /** A registered node. */
  public record Node(
      NodeId id, NodeType type, String address, long lastHeartbeatMs, boolean failed) {}

  /** A target and where it lives. */
  public record Target(
      TargetId id,
      NodeId node,
      ChainId chain,
      int diskIndex,
      LocalState localState,
      long usedBytes,
      long freeBytes) {
    /** Chain id of a target that no chain names yet (created by CreateTargets). */
    public static final ChainId NO_CHAIN = ChainId.of(0);

    Target withLocalState(LocalState state) {
      return new Target(id, node, chain, diskIndex, state, usedBytes, freeBytes);
    }
  }

  /** A consistent copy of everything clients and services route by. */
  public record RoutingInfo(
      long version,
      List<Node> nodes,
      List<Target> targets,
      List<Chain> chains,
      List<io.j3fs.mgmtd.store.MgmtdStore.StoredChainTable> chainTables) {}

  private final Clock clock;
  private final long heartbeatFailIntervalMs;
  private final Map<NodeId, Node> nodes = new TreeMap<>();
  private final Map<TargetId, Target> targets = new TreeMap<>();
  private final Map<ChainId, Chain> chains = new TreeMap<>();

  /** Nodes an operator disabled: their targets count as offline whatever their heartbeats say. */
  private final java.util.Set<NodeId> disabled = new java.util.TreeSet<>();

  /**
   * Targets an operator took offline: they stay offline, whatever their heartbeats say, until their
   * service reports them as anything but up to date (it then rejoins through waiting and syncing).
   * In memory only: a new primary sees them offline from their public state, and their services
   * leave up-to-date on seeing that (3FS's storage rule).
   */
  private final java.util.Set<TargetId> operatorOffline = new java.util.TreeSet<>();

  /** Targets whose services last reported their data may be stale (see TargetReport.behind). */
  private final java.util.Set<TargetId> behind = new java.util.TreeSet<>();

  /** Targets recreated empty (see TargetReport.empty): never left as a chain's last serving one. */
  private final java.util.Set<TargetId> empty = new java.util.TreeSet<>();

  /** Latest version of each chain table. */
  private final Map<Integer, io.j3fs.mgmtd.store.MgmtdStore.StoredChainTable> chainTables =
      new TreeMap<>();

  private long routingVersion;

  public ClusterView(Clock clock, long heartbeatFailIntervalMs, long routingVersion) {
    this.clock = clock;
    this.heartbeatFailIntervalMs = heartbeatFailIntervalMs;
    this.routingVersion = routingVersion;
  }

  /**
   * A new primary's view, rebuilt from the durable state. Local states are not stored, so each
   * target is assumed to be as its public state implies until its node's heartbeats say otherwise,
   * and every node gets a full fail interval from now to send one (so a takeover does not mark the
   * whole cluster offline).
   */
  public static ClusterView restore(
      Clock clock,
      long heartbeatFailIntervalMs,
      long routingVersion,
      io.j3fs.mgmtd.store.MgmtdStore.Snapshot snapshot) {
    ClusterView view = new ClusterView(clock, heartbeatFailIntervalMs, routingVersion);
    long now = clock.wallMillis();
    for (io.j3fs.mgmtd.store.MgmtdStore.StoredNode node : snapshot.nodes()) {
      view.nodes.put(node.id(), new Node(node.id(), node.type(), node.address(), now, false));
      if (node.disabled()) {
        view.disabled.add(node.id());
      }
    }
    Map<TargetId, io.j3fs.common.cluster.PublicState> states = new HashMap<>();
    for (Chain chain : snapshot.chains()) {
      view.chains.put(chain.id(), chain);
      for (ChainTarget member : chain.targets()) {
        states.put(member.target(), member.state());
      }
    }
    for (io.j3fs.mgmtd.store.MgmtdStore.StoredChainTable table : snapshot.chainTables()) {
      view.chainTables.merge(table.tableId(), table, (a, b) -> a.version() >= b.version() ? a : b);
    }
    for (io.j3fs.mgmtd.store.MgmtdStore.StoredTarget target : snapshot.targets()) {
      io.j3fs.common.cluster.PublicState state = states.get(target.id());
      LocalState assumed =
          state == null
              ? LocalState.OFFLINE
              : switch (state) {
                case SERVING -> LocalState.UP_TO_DATE;
                case SYNCING, WAITING -> LocalState.ONLINE;
                case LASTSRV, OFFLINE -> LocalState.OFFLINE;
              };
      view.targets.put(
          target.id(),
          new Target(
              target.id(), target.node(), target.chain(), target.diskIndex(), assumed, 0, 0));
    }
    return view;
  }

  public long routingVersion() {
    return routingVersion;
  }

  public void registerNode(NodeId id, NodeType type, String address) {
    Node existing = nodes.get(id);
    if (existing != null && existing.type() != type) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          "node " + id + " is registered as " + existing.type() + ", not " + type);
    }
    nodes.put(id, new Node(id, type, address, clock.wallMillis(), false));
    routingVersion++;
  }

  /**
   * Adds a chain whose targets are new or orphans created before; placement gives each target's
   * node and disk. The targets start serving, as in a fresh cluster.
   */
  public void addChain(Chain chain, Map<TargetId, Placement> placement) {
    for (ChainTarget member : chain.targets()) {
      Placement where = placement.get(member.target());
      if (where == null || !nodes.containsKey(where.node())) {
        throw new StatusException(
            StatusCode.INVALID_ARGUMENT,
            "target " + member.target() + " is not placed on a registered node");
      }
      // A new chain's targets are all empty, hence alike: each is up to date until its service
      // reports otherwise (an orphan that never reported would else make the chain start degraded).
      Target existing = targets.get(member.target());
      LocalState state = LocalState.UP_TO_DATE;
      targets.put(
          member.target(),
          new Target(
              member.target(),
              where.node(),
              chain.id(),
              where.diskIndex(),
              state,
              existing == null ? 0 : existing.usedBytes(),
              existing == null ? 0 : existing.freeBytes()));
    }
    chains.put(chain.id(), chain);
    routingVersion++;
  }

  /** Where a target lives. */
  public record Placement(NodeId node, int diskIndex) {}

  /** Adds targets that no chain names yet; their services report them through heartbeats. */
  public void addOrphanTargets(Map<TargetId, Placement> placement) {
    for (Map.Entry<TargetId, Placement> entry : placement.entrySet()) {
      if (!nodes.containsKey(entry.getValue().node())) {
        throw new StatusException(
            StatusCode.INVALID_ARGUMENT, "node " + entry.getValue().node() + " is not registered");
      }
      targets.put(
          entry.getKey(),
          new Target(
              entry.getKey(),
              entry.getValue().node(),
              Target.NO_CHAIN,
              entry.getValue().diskIndex(),
              LocalState.OFFLINE,
              0,
              0));
    }
    routingVersion++;
  }

  /**
   * Takes a target out of service at an operator's request (see {@link #operatorOffline}); the
   * caller runs {@link #updateChains()} after.
   */
  public void offlineTarget(TargetId id) {
    Target target = targets.get(id);
    if (target == null) {
      throw new StatusException(StatusCode.NOT_FOUND, "target " + id + " does not exist");
    }
    if (target.chain().equals(Target.NO_CHAIN)) {
      throw new StatusException(StatusCode.INVALID_ARGUMENT, "target " + id + " is in no chain");
    }
    operatorOffline.add(id);
    targets.put(id, target.withLocalState(LocalState.OFFLINE));
  }

  /** The target, or null. */
  public Target target(TargetId id) {
    return targets.get(id);
  }

  /** A storage (or other) node's heartbeat: it is alive, and its targets are as reported. */
  public void heartbeat(NodeId id, List<TargetReport> reports) {
    Node node = nodes.get(id);
    if (node == null) {
      throw new StatusException(StatusCode.NOT_FOUND, "node " + id + " is not registered");
    }
    nodes.put(id, new Node(id, node.type(), node.address(), clock.wallMillis(), false));
    for (TargetReport report : reports) {
      Target target = targets.get(report.target());
      if (target == null || !target.node().equals(id)) {
        throw new StatusException(
            StatusCode.INVALID_ARGUMENT,
            "target " + report.target() + " does not belong to node " + id);
      }
      if (report.behind()) {
        behind.add(target.id());
      } else {
        behind.remove(target.id());
      }
      if (report.empty()) {
        empty.add(target.id());
      } else {
        empty.remove(target.id());
      }
      LocalState state = report.localState();
      if (operatorOffline.contains(target.id())) {
        if (state == LocalState.UP_TO_DATE) {
          state = LocalState.OFFLINE; // not yet acknowledged by its service
        } else {
          operatorOffline.remove(target.id());
        }
      }
      targets.put(
          target.id(),
          new Target(
              target.id(),
              id,
              target.chain(),
              report.diskIndex(),
              state,
              report.usedBytes(),
              report.freeBytes()));
    }
  }

  /**
   * Marks nodes whose last heartbeat is older than the fail interval as failed, and their targets
   * OFFLINE.
   */
  public List<NodeId> checkHeartbeats() {
    long now = clock.wallMillis();
    List<NodeId> failed = new ArrayList<>();
    for (Node node : List.copyOf(nodes.values())) {
      if (!node.failed() && now - node.lastHeartbeatMs() >= heartbeatFailIntervalMs) {
        nodes.put(
            node.id(),
            new Node(node.id(), node.type(), node.address(), node.lastHeartbeatMs(), true));
        failed.add(node.id());
        for (Target target : List.copyOf(targets.values())) {
          if (target.node().equals(node.id())) {
            targets.put(target.id(), target.withLocalState(LocalState.OFFLINE));
          }
        }
        routingVersion++;
      }
    }
    return failed;
  }

  /** Disables or enables a node; returns false if nothing changed. */
  public boolean setDisabled(NodeId id, boolean disable) {
    if (!nodes.containsKey(id)) {
      throw new StatusException(StatusCode.NOT_FOUND, "node " + id + " is not registered");
    }
    boolean changed = disable ? disabled.add(id) : disabled.remove(id);
    if (changed) {
      routingVersion++;
    }
    return changed;
  }

  public boolean isDisabled(NodeId id) {
    return disabled.contains(id);
  }

  /** The local state the state machine sees: a disabled node's targets are offline. */
  private LocalState effectiveLocalState(TargetId id) {
    Target target = targets.get(id);
    return disabled.contains(target.node()) ? LocalState.OFFLINE : target.localState();
  }

  /**
   * Applies the state machine to every chain; returns the chains that changed (each with its
   * version bumped).
   */
  public List<Chain> updateChains() {
    List<Chain> changed = new ArrayList<>();
    for (Chain chain : List.copyOf(chains.values())) {
      Chain next =
          ChainStateMachine.next(
              rotateEmptyLastServing(chain),
              this::effectiveLocalState,
              target -> behind.contains(target) || empty.contains(target));
      if (next != chain) {
        chains.put(next.id(), next);
        changed.add(next);
      }
    }
    if (!changed.isEmpty()) {
      routingVersion++;
    }
    return changed;
  }

  /**
   * A chain whose last serving target reports itself recreated empty while another member is alive
   * with data of its own: the last-serving role moves to that member (what 3FS's operators do by
   * hand with rotate-lastsrv), so the chain can serve again instead of waiting for data that is
   * gone (with the version bumped). Returns the chain unchanged otherwise.
   */
  private Chain rotateEmptyLastServing(Chain chain) {
    int last = -1;
    for (int i = 0; i < chain.targets().size(); i++) {
      if (chain.targets().get(i).state() == io.j3fs.common.cluster.PublicState.LASTSRV) {
        last = i;
      }
    }
    if (last < 0 || !empty.contains(chain.targets().get(last).target())) {
      return chain;
    }
    for (int i = 0; i < chain.targets().size(); i++) {
      TargetId candidate = chain.targets().get(i).target();
      if (i != last
          && !empty.contains(candidate)
          && effectiveLocalState(candidate) != LocalState.OFFLINE) {
        List<ChainTarget> members = new ArrayList<>(chain.targets());
        ChainTarget emptyOne = members.get(last);
        members.set(last, new ChainTarget(candidate, io.j3fs.common.cluster.PublicState.LASTSRV));
        members.set(
            i, new ChainTarget(emptyOne.target(), io.j3fs.common.cluster.PublicState.OFFLINE));
        return new Chain(chain.id(), chain.version() + 1, members);
      }
    }
    return chain;
  }

  /** Whether a node is registered. */
  public boolean hasNode(NodeId id) {
    return nodes.containsKey(id);
  }

  /** Whether a target exists (in any chain). */
  public boolean hasTarget(TargetId id) {
    return targets.containsKey(id);
  }

  /** The latest version of a chain table, or null. */
  public io.j3fs.mgmtd.store.MgmtdStore.StoredChainTable chainTable(int tableId) {
    return chainTables.get(tableId);
  }

  /** Makes {@code table} the latest version of its chain table; its chains must exist. */
  public void setChainTable(io.j3fs.mgmtd.store.MgmtdStore.StoredChainTable table) {
    for (ChainId chain : table.chains()) {
      if (!chains.containsKey(chain)) {
        throw new StatusException(
            StatusCode.INVALID_ARGUMENT, "chain " + chain + " does not exist");
      }
    }
    chainTables.put(table.tableId(), table);
    routingVersion++;
  }

  public Chain chain(ChainId id) {
    return chains.get(id);
  }

  public RoutingInfo routingInfo() {
    return new RoutingInfo(
        routingVersion,
        List.copyOf(nodes.values()),
        List.copyOf(targets.values()),
        List.copyOf(chains.values()),
        List.copyOf(chainTables.values()));
  }
}
