package io.j3fs.common.id;

/**
 * A server or client process in the cluster. Strong id type: never mixed up with another id or a
 * plain number at API boundaries.
 */
public record NodeId(long value) implements Comparable<NodeId> {
  public NodeId {
    if (value < 0) {
      throw new IllegalArgumentException("NodeId must not be negative, got " + value);
    }
  }

  public static NodeId of(long value) {
    return new NodeId(value);
  }

  @Override
  public int compareTo(NodeId other) {
    return Long.compare(value, other.value);
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
