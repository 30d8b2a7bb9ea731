package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import java.nio.charset.StandardCharsets;

/** Limits of extended attributes, as Linux sets them (XATTR_NAME_MAX, XATTR_SIZE_MAX). */
final class Xattrs {
  static final int MAX_NAME_BYTES = 255;
  static final int MAX_VALUE_BYTES = 64 << 10;

  /** Names and values of one inode together, at most: they are stored inside the inode record. */
  static final int MAX_TOTAL_BYTES = 256 << 10;

  static final int XATTR_CREATE = 1;
  static final int XATTR_REPLACE = 2;

  private Xattrs() {}

  static void checkName(String name) {
    if (name.isEmpty()) {
      throw StatusException.invalidArgument("an attribute name must not be empty");
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_NAME_BYTES) {
      throw new StatusException(
          StatusCode.NAME_TOO_LONG,
          "an attribute name has at most " + MAX_NAME_BYTES + " bytes, got " + bytes);
    }
    if (!name.contains(".")) {
      throw StatusException.invalidArgument(
          "an attribute name needs a namespace (user., trusted., security., system.): \""
              + name
              + "\"");
    }
  }

  static StatusException noSuch(String name) {
    return new StatusException(StatusCode.NO_SUCH_ATTRIBUTE, "no attribute \"" + name + "\"");
  }
}
