package io.j3fs.meta.auth;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import java.nio.charset.StandardCharsets;

/** The rules for one path component, as Linux applies them. */
public final class Names {
  /** Bytes in one name, at most (NAME_MAX). */
  public static final int MAX_NAME_BYTES = 255;

  /** Bytes in a path or symlink target, at most (PATH_MAX). */
  public static final int MAX_PATH_BYTES = 4096;

  private Names() {}

  /** Checks a name a new entry would get; throws a status naming what is wrong. */
  public static void checkNew(String name) {
    if (name == null || name.isEmpty()) {
      throw StatusException.invalidArgument("a name must not be empty");
    }
    if (name.equals(".") || name.equals("..")) {
      throw new StatusException(StatusCode.EXISTS, "\"" + name + "\" is reserved");
    }
    check(name);
  }

  /** Checks a name looked up (which may be "." or ".."). */
  public static void check(String name) {
    if (name.indexOf('/') >= 0) {
      throw StatusException.invalidArgument("a name must not contain '/': \"" + name + "\"");
    }
    if (name.indexOf('\0') >= 0) {
      throw StatusException.invalidArgument("a name must not contain NUL");
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_NAME_BYTES) {
      throw new StatusException(
          StatusCode.NAME_TOO_LONG,
          "a name has at most " + MAX_NAME_BYTES + " bytes, got " + bytes);
    }
  }

  public static void checkPath(String path) {
    if (path.indexOf('\0') >= 0) {
      throw StatusException.invalidArgument("a path must not contain NUL");
    }
    int bytes = path.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_PATH_BYTES) {
      throw new StatusException(
          StatusCode.NAME_TOO_LONG,
          "a path has at most " + MAX_PATH_BYTES + " bytes, got " + bytes);
    }
  }
}
