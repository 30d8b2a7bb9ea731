package io.j3fs.mgmtd.service;

import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.mgmtd.cluster.ClusterView;
import io.j3fs.mgmtd.cluster.NodeType;
import io.j3fs.mgmtd.cluster.TargetReport;
import io.j3fs.mgmtd.lease.LeaseElection;
import io.j3fs.mgmtd.state.Chain;
import io.j3fs.mgmtd.state.ChainTarget;
import io.j3fs.mgmtd.state.LocalState;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.RpcResponse;
import io.j3fs.proto.mgmtd.GetPrimaryMgmtdRsp;
import io.j3fs.proto.mgmtd.GetRoutingInfoReq;
import io.j3fs.proto.mgmtd.GetRoutingInfoRsp;
import io.j3fs.proto.mgmtd.HeartbeatReq;
import io.j3fs.proto.mgmtd.HeartbeatRsp;
import io.j3fs.proto.mgmtd.LocalTargetInfo;
import io.j3fs.proto.mgmtd.RegisterNodeReq;
import io.j3fs.proto.mgmtd.RegisterNodeRsp;
import io.j3fs.proto.mgmtd.RoutingChain;
import io.j3fs.proto.mgmtd.RoutingNode;
import io.j3fs.proto.mgmtd.RoutingTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One cluster manager instance: the lease, the primary's cluster view, and thin RPC adapters.
 * {@link #tick()} is its periodic work (extend or take the lease, detect failed nodes, update
 * chains), called by a scheduler in a process and by tests with a manual clock. Requests to a
 * non-primary answer NOT_PRIMARY naming the primary's address.
 *
 * <p>Thread-safety: handlers (virtual threads) and {@link #tick()} serialize on one lock; the view
 * is only touched under it.
 */
public final class MgmtdServer {
  /**
   * @param heartbeatFailIntervalMs a node silent this long is failed and its targets offline (3FS:
   *     60 s)
   */
  public record Config(
      LeaseElection.Config lease, long heartbeatFailIntervalMs, long clientSessionTimeoutMs) {
    /** 3FS's defaults: heartbeats fail after 60 s, client sessions after 20 min. */
    public static final Config DEFAULT =
        new Config(LeaseElection.Config.DEFAULT, 60_000, 20 * 60_000);
  }

  /** Expired sessions deleted per listing or tick, at most, so one call stays small. */
  private static final int MAX_SESSIONS_REMOVED = 1_000;

  private final KvEngine kv;
  private final Clock clock;
  private final LeaseElection election;
  private final Config config;
  private final NodeId self;
  private final String address;
  private final ReentrantLock lock = new ReentrantLock();
  private long epoch = -1;
  private long leaseEndMs;
  private ClusterView view;
  private LeaseElection.Follower follower;

  public MgmtdServer(
      KvEngine kv, Clock clock, NodeId self, String address, String release, Config config) {
    this.kv = kv;
    this.clock = clock;
    this.config = config;
    this.self = self;
    this.address = address;
    this.election = new LeaseElection(kv, clock, self, address, release, config.lease());
  }

  /** Registers this instance's handlers. */
  public void register(Dispatcher dispatcher) {
    dispatcher.register("Mgmtd.GetPrimaryMgmtd", request -> RpcResponse.of(primary()));
    dispatcher.register(
        "Mgmtd.RegisterNode",
        request -> RpcResponse.of(registerNode(request.message(RegisterNodeReq.class))));
    dispatcher.register(
        "Mgmtd.Heartbeat",
        request -> RpcResponse.of(heartbeat(request.message(HeartbeatReq.class))));
    dispatcher.register(
        "Mgmtd.ExtendClientSession",
        request ->
            RpcResponse.of(
                extendSession(request.message(io.j3fs.proto.mgmtd.ExtendClientSessionReq.class))));
    dispatcher.register("Mgmtd.ListClientSessions", request -> RpcResponse.of(listSessions()));
    dispatcher.register(
        "Mgmtd.DisableNode",
        request -> {
          long version =
              setDisabled(
                  request.message(io.j3fs.proto.mgmtd.DisableNodeReq.class).getNodeId(), true);
          return RpcResponse.of(
              io.j3fs.proto.mgmtd.DisableNodeRsp.newBuilder().setRoutingVersion(version).build());
        });
    dispatcher.register(
        "Mgmtd.EnableNode",
        request -> {
          long version =
              setDisabled(
                  request.message(io.j3fs.proto.mgmtd.EnableNodeReq.class).getNodeId(), false);
          return RpcResponse.of(
              io.j3fs.proto.mgmtd.EnableNodeRsp.newBuilder().setRoutingVersion(version).build());
        });
    dispatcher.register(
        "Mgmtd.SetConfig",
        request ->
            RpcResponse.of(setConfig(request.message(io.j3fs.proto.mgmtd.SetConfigReq.class))));
    dispatcher.register(
        "Mgmtd.GetConfig",
        request ->
            RpcResponse.of(getConfig(request.message(io.j3fs.proto.mgmtd.GetConfigReq.class))));
    dispatcher.register(
        "Mgmtd.SetChains",
        request ->
            RpcResponse.of(setChains(request.message(io.j3fs.proto.mgmtd.SetChainsReq.class))));
    dispatcher.register(
        "Mgmtd.SetChainTable",
        request ->
            RpcResponse.of(
                setChainTable(request.message(io.j3fs.proto.mgmtd.SetChainTableReq.class))));
    dispatcher.register(
        "Mgmtd.GetRoutingInfo",
        request -> RpcResponse.of(routingInfo(request.message(GetRoutingInfoReq.class))));
  }

  /** Periodic work. Returns true if this instance is the primary afterwards. */
  public boolean tick() {
    lock.lock();
    try {
      LeaseElection.Outcome outcome;
      try {
        outcome = election.tryAcquireOrExtend();
      } catch (StatusException e) {
        // The KV store is unreachable: keep acting only while the lease we hold is certainly still
        // ours.
        step(null);
        return false;
      }
      if (outcome instanceof LeaseElection.Primary primary) {
        leaseEndMs = primary.leaseEndMs();
        if (primary.newlyElected() || view == null) {
          epoch = primary.epoch();
          view =
              ClusterView.restore(
                  clock,
                  config.heartbeatFailIntervalMs(),
                  election.routingVersion(),
                  kv.read(MgmtdStore::load));
        }
        follower = null;
        long versionBefore = view.routingVersion();
        view.checkHeartbeats();
        List<Chain> changed = view.updateChains();
        if (!changed.isEmpty() || view.routingVersion() != versionBefore) {
          long version = view.routingVersion();
          election.writeAsPrimary(
              epoch,
              tx -> {
                changed.forEach(chain -> MgmtdStore.putChain(tx, chain));
                LeaseElection.storeRoutingVersion(tx, version);
                return null;
              });
        }
        return true;
      }
      step((LeaseElection.Follower) outcome);
      return false;
    } finally {
      lock.unlock();
    }
  }

  private void step(LeaseElection.Follower now) {
    view = null;
    epoch = -1;
    follower = now;
  }

  /**
   * The view, if this instance is primary and its lease has certainly not run out; else
   * NOT_PRIMARY.
   */
  private ClusterView primaryView() {
    if (view != null && clock.wallMillis() >= leaseEndMs) {
      step(
          null); // the lease ran out without a successful extension: stop acting as primary at once
    }
    if (view == null) {
      LeaseElection.Follower known = follower;
      throw new StatusException(
          StatusCode.NOT_PRIMARY,
          known == null
              ? "this mgmtd is not primary and knows no primary yet"
              : "primary mgmtd is node " + known.primary() + " at " + known.address());
    }
    return view;
  }

  /**
   * Adds (or replaces) a chain of targets placed on registered nodes, durably and in the view. The
   * upload-chains admin command is a thin adapter over this.
   */
  public void uploadChain(Chain chain, java.util.Map<TargetId, NodeId> placement) {
    lock.lock();
    try {
      ClusterView current = primaryView();
      long version = current.routingVersion() + 1; // what addChain below publishes
      election.writeAsPrimary(
          epoch,
          tx -> {
            LeaseElection.storeRoutingVersion(tx, version);
            for (ChainTarget member : chain.targets()) {
              MgmtdStore.putTarget(
                  tx,
                  new MgmtdStore.StoredTarget(
                      member.target(), placement.get(member.target()), chain.id(), 0));
            }
            MgmtdStore.putChain(tx, chain);
            return null;
          });
      current.addChain(chain, placement);
    } finally {
      lock.unlock();
    }
  }

  io.j3fs.proto.mgmtd.ExtendClientSessionRsp extendSession(
      io.j3fs.proto.mgmtd.ExtendClientSessionReq request) {
    if (request.getClientId().isEmpty() || request.getClientId().length() > 256) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT, "client_id must be 1 to 256 characters");
    }
    lock.lock();
    try {
      primaryView();
      long now = clock.wallMillis();
      election.writeAsPrimary(
          epoch,
          tx -> {
            MgmtdStore.putSession(
                tx,
                new MgmtdStore.StoredSession(request.getClientId(), request.getDescription(), now));
            return null;
          });
      return io.j3fs.proto.mgmtd.ExtendClientSessionRsp.newBuilder()
          .setExpiresAtMs(now + config.clientSessionTimeoutMs())
          .build();
    } finally {
      lock.unlock();
    }
  }

  /** Live client sessions (the metadata service prunes write sessions of clients missing here). */
  io.j3fs.proto.mgmtd.ListClientSessionsRsp listSessions() {
    lock.lock();
    try {
      primaryView();
      long notBefore = clock.wallMillis() - config.clientSessionTimeoutMs();
      List<MgmtdStore.StoredSession> live =
          election.writeAsPrimary(
              epoch, tx -> MgmtdStore.liveSessions(tx, notBefore, MAX_SESSIONS_REMOVED));
      io.j3fs.proto.mgmtd.ListClientSessionsRsp.Builder out =
          io.j3fs.proto.mgmtd.ListClientSessionsRsp.newBuilder();
      for (MgmtdStore.StoredSession session : live) {
        out.addSessions(
            io.j3fs.proto.mgmtd.ClientSessionInfo.newBuilder()
                .setClientId(session.clientId())
                .setDescription(session.description())
                .setLastExtendedMs(session.lastExtendedMs()));
      }
      return out.build();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Creates chains of new targets (all serving, version 1). Refused whole if a chain already
   * exists, a target exists, a node is not registered, or a chain has two targets on one node.
   */
  io.j3fs.proto.mgmtd.SetChainsRsp setChains(io.j3fs.proto.mgmtd.SetChainsReq request) {
    lock.lock();
    try {
      ClusterView current = primaryView();
      List<Chain> created = new ArrayList<>();
      java.util.Map<TargetId, NodeId> placement = new java.util.HashMap<>();
      java.util.Set<TargetId> seen = new java.util.HashSet<>();
      for (io.j3fs.proto.mgmtd.ChainSpec spec : request.getChainsList()) {
        io.j3fs.common.id.ChainId id = io.j3fs.common.id.ChainId.of(spec.getChainId());
        if (current.chain(id) != null) {
          throw new StatusException(StatusCode.EXISTS, "chain " + id + " already exists");
        }
        if (spec.getTargetsCount() == 0) {
          throw new StatusException(StatusCode.INVALID_ARGUMENT, "chain " + id + " has no targets");
        }
        java.util.Set<Long> nodes = new java.util.HashSet<>();
        List<ChainTarget> members = new ArrayList<>();
        for (io.j3fs.proto.mgmtd.TargetSpec target : spec.getTargetsList()) {
          TargetId targetId = TargetId.of(target.getTargetId());
          NodeId node = NodeId.of(target.getNodeId());
          if (!current.hasNode(node)) {
            throw new StatusException(
                StatusCode.INVALID_ARGUMENT, "node " + node + " is not registered");
          }
          if (current.hasTarget(targetId) || !seen.add(targetId)) {
            throw new StatusException(StatusCode.EXISTS, "target " + targetId + " already exists");
          }
          if (!nodes.add(node.value())) {
            throw new StatusException(
                StatusCode.INVALID_ARGUMENT, "chain " + id + " has two targets on node " + node);
          }
          placement.put(targetId, node);
          members.add(new ChainTarget(targetId, io.j3fs.mgmtd.state.PublicState.SERVING));
        }
        created.add(new Chain(id, 1, members));
      }
      long version = current.routingVersion() + created.size();
      election.writeAsPrimary(
          epoch,
          tx -> {
            for (Chain chain : created) {
              for (ChainTarget member : chain.targets()) {
                MgmtdStore.putTarget(
                    tx,
                    new MgmtdStore.StoredTarget(
                        member.target(), placement.get(member.target()), chain.id(), 0));
              }
              MgmtdStore.putChain(tx, chain);
            }
            LeaseElection.storeRoutingVersion(tx, version);
            return null;
          });
      for (Chain chain : created) {
        current.addChain(chain, placement);
      }
      return io.j3fs.proto.mgmtd.SetChainsRsp.newBuilder()
          .setRoutingVersion(current.routingVersion())
          .build();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stores a new version of a chain table (its chains must exist); the previous versions stay
   * stored.
   */
  io.j3fs.proto.mgmtd.SetChainTableRsp setChainTable(io.j3fs.proto.mgmtd.SetChainTableReq request) {
    if (request.getTableId() == 0 || request.getChainIdsCount() == 0) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT, "a chain table needs a non-zero id and at least one chain");
    }
    lock.lock();
    try {
      ClusterView current = primaryView();
      MgmtdStore.StoredChainTable latest = current.chainTable(request.getTableId());
      MgmtdStore.StoredChainTable next =
          new MgmtdStore.StoredChainTable(
              request.getTableId(),
              latest == null ? 1 : latest.version() + 1,
              request.getChainIdsList().stream().map(io.j3fs.common.id.ChainId::of).toList());
      for (io.j3fs.common.id.ChainId chain : next.chains()) {
        if (current.chain(chain) == null) {
          throw new StatusException(
              StatusCode.INVALID_ARGUMENT, "chain " + chain + " does not exist");
        }
      }
      long version = current.routingVersion() + 1;
      election.writeAsPrimary(
          epoch,
          tx -> {
            MgmtdStore.putChainTable(tx, next);
            LeaseElection.storeRoutingVersion(tx, version);
            return null;
          });
      current.setChainTable(next);
      return io.j3fs.proto.mgmtd.SetChainTableRsp.newBuilder().setVersion(next.version()).build();
    } finally {
      lock.unlock();
    }
  }

  /** Largest config file accepted, in characters (stored values are at most 128 KiB). */
  private static final int MAX_CONFIG_CHARS = 64 * 1024;

  private static NodeType nodeType(String name) {
    try {
      return NodeType.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new StatusException(StatusCode.INVALID_ARGUMENT, "unknown node type '" + name + "'");
    }
  }

  /**
   * Stores the next version of a service type's config; services fetch it when they see a newer
   * version.
   */
  io.j3fs.proto.mgmtd.SetConfigRsp setConfig(io.j3fs.proto.mgmtd.SetConfigReq request) {
    NodeType type = nodeType(request.getNodeType());
    if (request.getContent().length() > MAX_CONFIG_CHARS) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          "config is " + request.getContent().length() + " characters, over " + MAX_CONFIG_CHARS);
    }
    lock.lock();
    try {
      primaryView();
      long version =
          election.writeAsPrimary(
              epoch,
              tx -> {
                MgmtdStore.StoredConfig latest = MgmtdStore.latestConfig(tx, type);
                long next = latest == null ? 1 : latest.version() + 1;
                MgmtdStore.putConfig(
                    tx, new MgmtdStore.StoredConfig(type, next, request.getContent()));
                return next;
              });
      return io.j3fs.proto.mgmtd.SetConfigRsp.newBuilder().setVersion(version).build();
    } finally {
      lock.unlock();
    }
  }

  io.j3fs.proto.mgmtd.GetConfigRsp getConfig(io.j3fs.proto.mgmtd.GetConfigReq request) {
    NodeType type = nodeType(request.getNodeType());
    lock.lock();
    try {
      primaryView();
      MgmtdStore.StoredConfig latest = kv.read(tx -> MgmtdStore.latestConfig(tx, type));
      if (latest == null) {
        throw new StatusException(StatusCode.NOT_FOUND, "no config stored for " + type);
      }
      io.j3fs.proto.mgmtd.GetConfigRsp.Builder out =
          io.j3fs.proto.mgmtd.GetConfigRsp.newBuilder().setVersion(latest.version());
      if (request.getKnownVersion() == latest.version()) {
        return out.setUnchanged(true).build();
      }
      return out.setContent(latest.content()).build();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Disables (or re-enables) a node, durably. A disabled node's targets count as offline, so its
   * chains move on without it at the next chain update; re-enabled, its targets wait, resync and
   * serve again.
   */
  long setDisabled(long nodeId, boolean disable) {
    lock.lock();
    try {
      ClusterView current = primaryView();
      NodeId id = NodeId.of(nodeId);
      MgmtdStore.StoredNode stored = kv.read(tx -> MgmtdStore.node(tx, id));
      if (stored == null) {
        throw new StatusException(StatusCode.NOT_FOUND, "node " + id + " is not registered");
      }
      long version = current.routingVersion() + 1;
      election.writeAsPrimary(
          epoch,
          tx -> {
            MgmtdStore.putNode(
                tx,
                new MgmtdStore.StoredNode(
                    id, stored.type(), stored.address(), stored.tags(), disable));
            LeaseElection.storeRoutingVersion(tx, version);
            return null;
          });
      current.setDisabled(id, disable);
      return current.routingVersion();
    } finally {
      lock.unlock();
    }
  }

  GetPrimaryMgmtdRsp primary() {
    lock.lock();
    try {
      primaryView(); // NOT_PRIMARY, naming the primary if known
      return GetPrimaryMgmtdRsp.newBuilder().setNodeId(self.value()).setAddress(address).build();
    } finally {
      lock.unlock();
    }
  }

  RegisterNodeRsp registerNode(RegisterNodeReq request) {
    NodeType type;
    try {
      type = NodeType.valueOf(request.getType());
    } catch (IllegalArgumentException e) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT, "unknown node type '" + request.getType() + "'");
    }
    lock.lock();
    try {
      ClusterView current = primaryView();
      NodeId id = NodeId.of(request.getNodeId());
      long version = current.routingVersion() + 1; // what registerNode below publishes
      election.writeAsPrimary(
          epoch,
          tx -> {
            LeaseElection.storeRoutingVersion(tx, version);
            MgmtdStore.putNode(
                tx,
                new MgmtdStore.StoredNode(
                    id, type, request.getAddress(), List.copyOf(request.getTagsList()), false));
            return null;
          });
      current.registerNode(id, type, request.getAddress());
      return RegisterNodeRsp.newBuilder().setRoutingVersion(current.routingVersion()).build();
    } finally {
      lock.unlock();
    }
  }

  HeartbeatRsp heartbeat(HeartbeatReq request) {
    List<TargetReport> reports = new ArrayList<>();
    for (LocalTargetInfo info : request.getTargetsList()) {
      LocalState state;
      try {
        state = LocalState.valueOf(info.getLocalState());
      } catch (IllegalArgumentException e) {
        throw new StatusException(
            StatusCode.INVALID_ARGUMENT, "unknown local state '" + info.getLocalState() + "'");
      }
      reports.add(
          new TargetReport(
              TargetId.of(info.getTargetId()),
              state,
              info.getDiskIndex(),
              info.getUsedBytes(),
              info.getFreeBytes(),
              info.getChainVersion()));
    }
    lock.lock();
    try {
      ClusterView current = primaryView();
      current.heartbeat(NodeId.of(request.getNodeId()), reports);
      return HeartbeatRsp.newBuilder().setRoutingVersion(current.routingVersion()).build();
    } finally {
      lock.unlock();
    }
  }

  GetRoutingInfoRsp routingInfo(GetRoutingInfoReq request) {
    lock.lock();
    try {
      ClusterView.RoutingInfo info = primaryView().routingInfo();
      GetRoutingInfoRsp.Builder out = GetRoutingInfoRsp.newBuilder().setVersion(info.version());
      if (request.getKnownVersion() == info.version()) {
        return out.setUnchanged(true).build();
      }
      for (ClusterView.Node node : info.nodes()) {
        out.addNodes(
            RoutingNode.newBuilder()
                .setNodeId(node.id().value())
                .setType(node.type().name())
                .setAddress(node.address())
                .setFailed(node.failed())
                .setDisabled(view.isDisabled(node.id())));
      }
      for (ClusterView.Target target : info.targets()) {
        out.addTargets(
            RoutingTarget.newBuilder()
                .setTargetId(target.id().value())
                .setNodeId(target.node().value())
                .setChainId(target.chain().value())
                .setLocalState(target.localState().name()));
      }
      for (Chain chain : info.chains()) {
        RoutingChain.Builder routing =
            RoutingChain.newBuilder().setChainId(chain.id().value()).setVersion(chain.version());
        for (ChainTarget member : chain.targets()) {
          routing.addMembers(
              RoutingChain.Member.newBuilder()
                  .setTargetId(member.target().value())
                  .setPublicState(member.state().name()));
        }
        out.addChains(routing);
      }
      for (MgmtdStore.StoredChainTable table : info.chainTables()) {
        out.addChainTables(
            io.j3fs.proto.mgmtd.RoutingChainTable.newBuilder()
                .setTableId(table.tableId())
                .setVersion(table.version())
                .addAllChainIds(
                    table.chains().stream().map(io.j3fs.common.id.ChainId::value).toList()));
      }
      return out.build();
    } finally {
      lock.unlock();
    }
  }
}
