package io.j3fs.meta.auth;

import io.j3fs.client.meta.Permissions;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.UserInfo;

/**
 * Permission checks as the metadata service enforces them: mode bits by {@link Permissions} (shared
 * with clients), plus the sticky-directory and owner-only rules.
 */
public final class Access {
  public static final int READ = Permissions.READ;
  public static final int WRITE = Permissions.WRITE;
  public static final int EXECUTE = Permissions.EXECUTE;

  public static final int S_ISUID = 04000;
  public static final int S_ISGID = 02000;
  public static final int S_ISVTX = 01000;

  private Access() {}

  public static boolean isRoot(UserInfo user) {
    return Permissions.isRoot(user);
  }

  public static boolean inGroup(UserInfo user, int gid) {
    return Permissions.inGroup(user, gid);
  }

  public static boolean allowed(Inode inode, UserInfo user, int want) {
    return Permissions.allowed(inode, user, want);
  }

  /** Throws PERMISSION_DENIED unless the user has {@code want} on the inode. */
  public static void check(Inode inode, UserInfo user, int want, String what) {
    if (!allowed(inode, user, want)) {
      throw new StatusException(
          StatusCode.PERMISSION_DENIED,
          "uid "
              + user.getUid()
              + " may not "
              + what
              + String.format(
                  " (mode %04o, owner %d:%d)", inode.getMode(), inode.getUid(), inode.getGid()));
    }
  }

  /**
   * Removing or renaming an entry of a sticky directory: only the owner of the entry's inode, the
   * owner of the directory, or root.
   */
  public static void checkSticky(Inode dir, Inode child, UserInfo user) {
    if ((dir.getMode() & S_ISVTX) != 0
        && !isRoot(user)
        && user.getUid() != dir.getUid()
        && user.getUid() != child.getUid()) {
      throw new StatusException(
          StatusCode.NOT_PERMITTED,
          "the directory is sticky: only the owner of the entry or of the directory may remove it");
    }
  }

  /** Changing mode or times explicitly: the owner or root. */
  public static void checkOwner(Inode inode, UserInfo user, String what) {
    if (!isRoot(user) && user.getUid() != inode.getUid()) {
      throw new StatusException(StatusCode.NOT_PERMITTED, "only the owner or root may " + what);
    }
  }
}
