package io.j3fs.fuse.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * mount(2) and umount2(2) for a FUSE file system, and the mount table as the kernel shows it
 * (/proc/self/mountinfo), so a start can clean up a mount a crashed daemon left behind.
 */
public final class Mounts {
  /** The file system type as the mount table shows it. */
  public static final String TYPE = "fuse.j3fs";

  private Mounts() {}

  /**
   * Mounts the connection of {@code device} at {@code dir}. {@code allow_other} lets every user in
   * (the daemon runs as root). With {@code defaultPermissions} the kernel checks mode bits itself;
   * without, a path walk through cached entries is not checked at all, since the kernel only asks
   * the daemon about names it has not cached.
   */
  public static void mount(
      Path dir, FuseDevice device, String source, int maxReadBytes, boolean defaultPermissions) {
    String options =
        "fd="
            + device.fd()
            + ",rootmode=40000,user_id=0,group_id=0,allow_other,max_read="
            + maxReadBytes
            + (defaultPermissions ? ",default_permissions" : "");
    Libc.Result r =
        Libc.mount(source, dir.toString(), TYPE, Libc.MS_NOSUID | Libc.MS_NODEV, options);
    if (r.failed()) {
      throw new UncheckedIOException(
          new IOException("mount " + dir + " failed: " + Libc.strerror(r.errno())));
    }
  }

  /**
   * Unmounts {@code dir}: a plain unmount first, a lazy one (detached now, gone when the last user
   * lets go) when something still uses it. Returns whether anything was mounted there.
   */
  public static boolean unmount(Path dir) {
    Libc.Result r = Libc.umount2(dir.toString(), 0);
    if (!r.failed()) {
      return true;
    }
    if (r.errno() == Libc.EBUSY) {
      r = Libc.umount2(dir.toString(), Libc.MNT_DETACH);
      if (!r.failed()) {
        return true;
      }
    }
    if (r.errno() == Libc.EINVAL || r.errno() == Libc.ENOENT) {
      return false; // not a mount point
    }
    throw new UncheckedIOException(
        new IOException("unmount " + dir + " failed: " + Libc.strerror(r.errno())));
  }

  /** Whether a j3fs file system is mounted at {@code dir} (a live or a stale one). */
  public static boolean mounted(Path dir) {
    String target = dir.toAbsolutePath().normalize().toString();
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
      for (String line : lines) {
        // id parent major:minor root mount-point options ... - type source super-options
        String[] fields = line.split(" ");
        int dash = line.indexOf(" - ");
        if (fields.length < 5 || dash < 0) {
          continue;
        }
        String type = line.substring(dash + 3).split(" ")[0];
        if (unescape(fields[4]).equals(target) && type.equals(TYPE)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Mount points escape space, tab, newline and backslash as octal. */
  private static String unescape(String field) {
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
