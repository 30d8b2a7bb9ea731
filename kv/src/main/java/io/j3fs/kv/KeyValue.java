package io.j3fs.kv;

import io.j3fs.common.bytes.ByteKeys;
import java.util.Arrays;

/**
 * One key and its value as returned by a range read. The arrays are owned by the caller once
 * returned: engines never hand out arrays they keep using.
 */
public record KeyValue(byte[] key, byte[] value) {
  @Override
  public boolean equals(Object other) {
    return other instanceof KeyValue kv
        && Arrays.equals(key, kv.key)
        && Arrays.equals(value, kv.value);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return ByteKeys.printable(key) + "=" + ByteKeys.printable(value);
  }
}
