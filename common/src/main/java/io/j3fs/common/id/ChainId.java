package io.j3fs.common.id;

/**
 * A replication chain: an ordered list of targets on different nodes. Strong id type: never mixed
 * up with another id or a plain number at API boundaries.
 */
public record ChainId(long value) implements Comparable<ChainId> {
  public ChainId {
    if (value < 0) {
      throw new IllegalArgumentException("ChainId must not be negative, got " + value);
    }
  }

  public static ChainId of(long value) {
    return new ChainId(value);
  }

  @Override
  public int compareTo(ChainId other) {
    return Long.compare(value, other.value);
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
