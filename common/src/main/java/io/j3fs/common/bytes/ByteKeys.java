package io.j3fs.common.bytes;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;

/**
 * Helpers for byte-array keys ordered lexicographically as unsigned bytes (the order of every KV
 * engine).
 */
public final class ByteKeys {
  /** Unsigned lexicographic order; a proper prefix sorts before any longer key that extends it. */
  public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

  private static final byte[] EMPTY = new byte[0];
  private static final HexFormat HEX = HexFormat.of();
  private static final int PRINT_LIMIT_BYTES = 32;

  private ByteKeys() {}

  public static byte[] empty() {
    return EMPTY;
  }

  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /** The smallest key strictly greater than {@code key}: the key with a zero byte appended. */
  public static byte[] keyAfter(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  /**
   * The first key that does not start with {@code prefix} (FoundationDB's strinc): the prefix with
   * trailing 0xff bytes removed and its last byte incremented. Fails for a prefix made only of 0xff
   * bytes, which has no such key.
   */
  public static byte[] prefixEnd(byte[] prefix) {
    int last = prefix.length - 1;
    while (last >= 0 && prefix[last] == (byte) 0xff) {
      last--;
    }
    if (last < 0) {
      throw new IllegalArgumentException("prefix " + printable(prefix) + " has no end key");
    }
    byte[] end = Arrays.copyOf(prefix, last + 1);
    end[last]++;
    return end;
  }

  public static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  public static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }

  /**
   * A short hex rendering for error messages and logs (long keys are cut, with their length shown).
   */
  public static String printable(byte[] key) {
    if (key == null) {
      return "null";
    }
    if (key.length <= PRINT_LIMIT_BYTES) {
      return "0x" + HEX.formatHex(key);
    }
    return "0x" + HEX.formatHex(key, 0, PRINT_LIMIT_BYTES) + "...(" + key.length + " bytes)";
  }
}
