package io.j3fs.client.routing;

import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.net.Endpoint;
import io.j3fs.proto.mgmtd.GetRoutingInfoRsp;
import io.j3fs.proto.mgmtd.RoutingChain;
import io.j3fs.proto.mgmtd.RoutingChainTable;
import io.j3fs.proto.mgmtd.RoutingNode;
import io.j3fs.proto.mgmtd.RoutingTarget;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable snapshot of the cluster as mgmtd published it at one routing version: nodes,
 * targets, chains (head first, with public states) and the latest version of each chain table.
 * Clients and services route every request by one snapshot and replace it whole when the version
 * moves.
 */
public record RoutingInfo(
    long version,
    Map<NodeId, Node> nodes,
    Map<TargetId, Target> targets,
    Map<ChainId, Chain> chains,
    Map<Integer, ChainTable> chainTables) {
  /** Before the first fetch. */
  public static final RoutingInfo EMPTY =
      new RoutingInfo(0, Map.of(), Map.of(), Map.of(), Map.of());

  public RoutingInfo {
    nodes = Collections.unmodifiableMap(new TreeMap<>(nodes));
    targets = Collections.unmodifiableMap(new TreeMap<>(targets));
    chains = Collections.unmodifiableMap(new TreeMap<>(chains));
    chainTables = Collections.unmodifiableMap(new TreeMap<>(chainTables));
  }

  /** A registered node. */
  public record Node(NodeId id, NodeType type, String address, boolean failed, boolean disabled) {
    public Endpoint endpoint() {
      return Endpoint.parse(address);
    }
  }

  /** A storage target and where it lives; chain 0 means no chain names it yet. */
  public record Target(
      TargetId id,
      NodeId node,
      ChainId chain,
      int diskIndex,
      LocalState localState,
      long usedBytes,
      long freeBytes) {}

  /** One member of a chain. */
  public record Member(TargetId target, PublicState state) {}

  /** A chain, head first, at a version bumped on every change. */
  public record Chain(ChainId id, long version, List<Member> members) {
    public Chain {
      members = List.copyOf(members);
    }

    /** Where writes go: the first member, if it receives writes; else null. */
    public Member head() {
      return members.isEmpty() || !members.getFirst().state().receivesWrites()
          ? null
          : members.getFirst();
    }

    /** Members that serve reads (serving), in chain order. */
    public List<Member> readable() {
      return members.stream().filter(m -> m.state().servesReads()).toList();
    }

    /**
     * Members that take part in writes (serving and syncing), in chain order: the path a write
     * travels, head to tail.
     */
    public List<Member> writePath() {
      return members.stream().filter(m -> m.state().receivesWrites()).toList();
    }

    /** The member after {@code target} on the write path, or null at the tail. */
    public Member successor(TargetId target) {
      List<Member> path = writePath();
      for (int i = 0; i < path.size() - 1; i++) {
        if (path.get(i).target().equals(target)) {
          return path.get(i + 1);
        }
      }
      return null;
    }

    /** The member before {@code target} on the write path, or null at the head. */
    public Member predecessor(TargetId target) {
      List<Member> path = writePath();
      for (int i = 1; i < path.size(); i++) {
        if (path.get(i).target().equals(target)) {
          return path.get(i - 1);
        }
      }
      return null;
    }

    public Member member(TargetId target) {
      for (Member member : members) {
        if (member.target().equals(target)) {
          return member;
        }
      }
      return null;
    }
  }

  /** The latest version of a chain table: files map their chunks onto these chains. */
  public record ChainTable(int id, int version, List<ChainId> chains) {
    public ChainTable {
      chains = List.copyOf(chains);
    }
  }

  /** The node a target lives on, or null. */
  public Node nodeOf(TargetId target) {
    Target t = targets.get(target);
    return t == null ? null : nodes.get(t.node());
  }

  /** Nodes of one type, in id order. */
  public List<Node> nodesOfType(NodeType type) {
    return nodes.values().stream().filter(n -> n.type() == type).toList();
  }

  /** Targets placed on one node, in id order. */
  public List<Target> targetsOn(NodeId node) {
    return targets.values().stream().filter(t -> t.node().equals(node)).toList();
  }

  /** Decodes a full (not "unchanged") answer of GetRoutingInfo. */
  public static RoutingInfo fromProto(GetRoutingInfoRsp rsp) {
    Map<NodeId, Node> nodes = new TreeMap<>();
    for (RoutingNode node : rsp.getNodesList()) {
      nodes.put(
          NodeId.of(node.getNodeId()),
          new Node(
              NodeId.of(node.getNodeId()),
              NodeType.valueOf(node.getType()),
              node.getAddress(),
              node.getFailed(),
              node.getDisabled()));
    }
    Map<TargetId, Target> targets = new TreeMap<>();
    for (RoutingTarget target : rsp.getTargetsList()) {
      targets.put(
          TargetId.of(target.getTargetId()),
          new Target(
              TargetId.of(target.getTargetId()),
              NodeId.of(target.getNodeId()),
              ChainId.of(target.getChainId()),
              target.getDiskIndex(),
              LocalState.valueOf(target.getLocalState()),
              target.getUsedBytes(),
              target.getFreeBytes()));
    }
    Map<ChainId, Chain> chains = new TreeMap<>();
    for (RoutingChain chain : rsp.getChainsList()) {
      List<Member> members = new ArrayList<>();
      for (RoutingChain.Member member : chain.getMembersList()) {
        members.add(
            new Member(
                TargetId.of(member.getTargetId()), PublicState.valueOf(member.getPublicState())));
      }
      chains.put(
          ChainId.of(chain.getChainId()),
          new Chain(ChainId.of(chain.getChainId()), chain.getVersion(), members));
    }
    Map<Integer, ChainTable> tables = new TreeMap<>();
    for (RoutingChainTable table : rsp.getChainTablesList()) {
      tables.put(
          table.getTableId(),
          new ChainTable(
              table.getTableId(),
              table.getVersion(),
              table.getChainIdsList().stream().map(ChainId::of).toList()));
    }
    return new RoutingInfo(rsp.getVersion(), nodes, targets, chains, tables);
  }
}
