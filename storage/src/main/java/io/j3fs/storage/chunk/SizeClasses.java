package io.j3fs.storage.chunk;

/**
 * Slot sizes of the chunk engine: powers of two from 64 KiB to 64 MiB (11 classes, as 3FS's chunk
 * engine). A chunk lives in the smallest class that holds its length; growing past it moves it to a
 * larger class by copy on write.
 */
public final class SizeClasses {
  private SizeClasses() {}

  public static final int MIN_BYTES = 64 * 1024;
  public static final int MAX_BYTES = 64 * 1024 * 1024;
  public static final int COUNT = Integer.numberOfTrailingZeros(MAX_BYTES / MIN_BYTES) + 1;

  /** Bytes of a slot of class {@code index}. */
  public static int bytes(int index) {
    if (index < 0 || index >= COUNT) {
      throw new IllegalArgumentException("size class " + index + " is not 0-" + (COUNT - 1));
    }
    return MIN_BYTES << index;
  }

  /** The smallest class holding {@code length} bytes. */
  public static int forLength(long length) {
    if (length < 0 || length > MAX_BYTES) {
      throw new IllegalArgumentException(
          "a chunk holds 0 to " + MAX_BYTES + " bytes, not " + length);
    }
    int index = 0;
    while ((long) MIN_BYTES << index < length) {
      index++;
    }
    return index;
  }
}
