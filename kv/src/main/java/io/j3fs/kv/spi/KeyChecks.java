package io.j3fs.kv.spi;

import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.KvLimits;

/**
 * Argument checks shared by every engine, so every engine rejects the same inputs with the same
 * message.
 */
public final class KeyChecks {
  private KeyChecks() {}

  public static void checkKey(byte[] key) {
    if (key == null) {
      throw StatusException.invalidArgument("key is null");
    }
    if (key.length == 0) {
      throw StatusException.invalidArgument(
          "key is empty: keys must be 1 to " + KvLimits.MAX_KEY_BYTES + " bytes");
    }
    if (key.length > KvLimits.MAX_KEY_BYTES) {
      throw StatusException.invalidArgument(
          "key is "
              + key.length
              + " bytes, over the limit of "
              + KvLimits.MAX_KEY_BYTES
              + ": "
              + ByteKeys.printable(key));
    }
  }

  /** A key the caller wants to write: also outside the reserved system range. */
  public static void checkWritableKey(byte[] key) {
    checkKey(key);
    if (isSystemKey(key)) {
      throw StatusException.invalidArgument(
          "key " + ByteKeys.printable(key) + " is in the reserved range starting at 0xff");
    }
  }

  public static boolean isSystemKey(byte[] key) {
    return key.length > 0 && (key[0] & 0xff) >= KvLimits.SYSTEM_KEY_FIRST_BYTE;
  }

  public static void checkValue(byte[] key, byte[] value) {
    if (value == null) {
      throw StatusException.invalidArgument(
          "value for key " + ByteKeys.printable(key) + " is null");
    }
    if (value.length > KvLimits.MAX_VALUE_BYTES) {
      throw StatusException.invalidArgument(
          "value for key "
              + ByteKeys.printable(key)
              + " is "
              + value.length
              + " bytes, over the limit of "
              + KvLimits.MAX_VALUE_BYTES);
    }
  }

  /**
   * Range bounds: begin may be empty (the start of the key space); end must be a valid key or the
   * system end.
   */
  public static void checkRange(byte[] begin, byte[] end) {
    if (begin == null || end == null) {
      throw StatusException.invalidArgument("range bound is null");
    }
    if (begin.length > KvLimits.MAX_KEY_BYTES + 1 || end.length > KvLimits.MAX_KEY_BYTES + 1) {
      throw StatusException.invalidArgument(
          "range bound longer than " + (KvLimits.MAX_KEY_BYTES + 1) + " bytes");
    }
  }

  public static void checkLimit(int limit) {
    if (limit < 0) {
      throw StatusException.invalidArgument(
          "range limit must be 0 (no limit) or positive, got " + limit);
    }
  }
}
