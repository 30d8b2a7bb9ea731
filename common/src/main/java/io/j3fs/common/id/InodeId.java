package io.j3fs.common.id;

/**
 * A file, directory or symlink. The root directory is 0; allocated ids start at {@link #FIRST} (ids
 * below are reserved, as in 3FS). Strong id type.
 */
public record InodeId(long value) implements Comparable<InodeId> {
  public static final InodeId ROOT = new InodeId(0);

  /** The smallest id the allocator hands out. */
  public static final long FIRST = 0x1000;

  public InodeId {
    if (value < 0) {
      throw new IllegalArgumentException("InodeId must not be negative, got " + value);
    }
  }

  public static InodeId of(long value) {
    return new InodeId(value);
  }

  public boolean isRoot() {
    return value == 0;
  }

  @Override
  public int compareTo(InodeId other) {
    return Long.compare(value, other.value);
  }

  @Override
  public String toString() {
    return String.format("0x%x", value);
  }
}
