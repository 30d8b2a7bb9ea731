package io.j3fs.fuse.ops;

import io.j3fs.proto.meta.UserInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who sends a request: uid and gid from the request header, supplementary groups from the calling
 * process (/proc/PID/status, as libfuse's fuse_req_getgroups does), cached per pid for a second so
 * a burst of calls from one process reads it once.
 *
 * <p>Thread-safe (the cache is locked; it is small and its entries are cheap to make).
 */
public final class Users {
  static final long CACHE_MS = 1_000;
  static final int CACHE_ENTRIES = 4_096;

  private record Cached(int uid, int gid, UserInfo user, long expiresNs) {}

  private final Map<Integer, Cached> byPid =
      new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Cached> eldest) {
          return size() > CACHE_ENTRIES;
        }
      };

  public UserInfo of(int uid, int gid, int pid) {
    if (uid == 0 || pid <= 0) {
      // root passes every mode check; pid 0 is the kernel itself (release, forget)
      return UserInfo.newBuilder().setUid(uid).setGid(gid).build();
    }
    long now = System.nanoTime();
    synchronized (byPid) {
      Cached c = byPid.get(pid);
      if (c != null && c.uid == uid && c.gid == gid && now < c.expiresNs) {
        return c.user;
      }
    }
    UserInfo.Builder user = UserInfo.newBuilder().setUid(uid).setGid(gid);
    for (int g : groups(pid)) {
      if (g != gid) {
        user.addGroups(g);
      }
    }
    UserInfo built = user.build();
    synchronized (byPid) {
      byPid.put(pid, new Cached(uid, gid, built, now + CACHE_MS * 1_000_000));
    }
    return built;
  }

  /** The "Groups:" line of /proc/PID/status; none if the process is gone. */
  static int[] groups(int pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
        if (line.startsWith("Groups:")) {
          String list = line.substring("Groups:".length()).trim();
          if (list.isEmpty()) {
            return new int[0];
          }
          String[] parts = list.split("\\s+");
          int[] out = new int[parts.length];
          for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i]);
          }
          return out;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the process exited, or a kernel without the line: no supplementary groups
    }
    return new int[0];
  }
}
