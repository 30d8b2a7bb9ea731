package io.j3fs.storage.ops;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.storage.target.StorageTarget;

/** Checks shared by the storage operations. */
final class Checks {
  private Checks() {}

  /** The target's chain at the caller's version; ROUTING_VERSION_MISMATCH otherwise. */
  static RoutingInfo.Chain atVersion(StorageTarget target, long chainVersion) {
    return target.chainAt(chainVersion, () -> {});
  }

  /** As {@link #atVersion}, and the target serves reads. */
  static RoutingInfo.Chain readableAt(StorageTarget target, long chainVersion) {
    RoutingInfo.Chain chain = atVersion(target, chainVersion);
    if (!target.readable()) {
      throw new StatusException(
          StatusCode.TARGET_NOT_SERVING, "target " + target.id() + " does not serve reads now");
    }
    return chain;
  }
}
