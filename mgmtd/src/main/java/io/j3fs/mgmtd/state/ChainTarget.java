package io.j3fs.mgmtd.state;

import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.TargetId;

/** One member of a chain with its public state. */
public record ChainTarget(TargetId target, PublicState state) {
  public static ChainTarget of(long target, PublicState state) {
    return new ChainTarget(TargetId.of(target), state);
  }
}
