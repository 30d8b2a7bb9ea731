package io.j3fs.mgmtd.ops;

import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;

/** Parses the enum names requests carry, answering INVALID_ARGUMENT that names the bad value. */
final class WireEnums {
  private WireEnums() {}

  static NodeType nodeType(String name) {
    try {
      return NodeType.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new StatusException(StatusCode.INVALID_ARGUMENT, "unknown node type '" + name + "'");
    }
  }

  static LocalState localState(String name) {
    try {
      return LocalState.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new StatusException(StatusCode.INVALID_ARGUMENT, "unknown local state '" + name + "'");
    }
  }
}
