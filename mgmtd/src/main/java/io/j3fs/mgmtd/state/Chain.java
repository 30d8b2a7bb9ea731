package io.j3fs.mgmtd.state;

import io.j3fs.common.id.ChainId;
import java.util.List;

/**
 * A replication chain: targets in chain order (head first) with their public states, and a version
 * bumped on every change so that services and clients can tell a stale view from the current one.
 */
public record Chain(ChainId id, long version, List<ChainTarget> targets) {
  public Chain {
    targets = List.copyOf(targets);
    if (version < 1) {
      throw new IllegalArgumentException("chain version starts at 1, got " + version);
    }
  }
}
