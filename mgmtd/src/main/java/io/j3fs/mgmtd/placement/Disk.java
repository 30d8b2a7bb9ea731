package io.j3fs.mgmtd.placement;

import io.j3fs.common.id.NodeId;

/** One disk of a storage node, as the chain-table generator sees it. */
public record Disk(NodeId node, int diskIndex) {
  public static Disk of(long node, int diskIndex) {
    return new Disk(NodeId.of(node), diskIndex);
  }

  @Override
  public String toString() {
    return "node" + node + "/disk" + diskIndex;
  }
}
