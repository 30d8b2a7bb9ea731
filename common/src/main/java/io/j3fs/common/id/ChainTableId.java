package io.j3fs.common.id;

/**
 * A chain table: the chains a file layout stripes over. Strong id type: never mixed up with another
 * id or a plain number at API boundaries.
 */
public record ChainTableId(long value) implements Comparable<ChainTableId> {
  public ChainTableId {
    if (value < 0) {
      throw new IllegalArgumentException("ChainTableId must not be negative, got " + value);
    }
  }

  public static ChainTableId of(long value) {
    return new ChainTableId(value);
  }

  @Override
  public int compareTo(ChainTableId other) {
    return Long.compare(value, other.value);
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
