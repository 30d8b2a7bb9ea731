package io.j3fs.common.id;

/**
 * A storage target: one chunk store on one disk. Strong id type: never mixed up with another id or
 * a plain number at API boundaries.
 */
public record TargetId(long value) implements Comparable<TargetId> {
  public TargetId {
    if (value < 0) {
      throw new IllegalArgumentException("TargetId must not be negative, got " + value);
    }
  }

  public static TargetId of(long value) {
    return new TargetId(value);
  }

  @Override
  public int compareTo(TargetId other) {
    return Long.compare(value, other.value);
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
