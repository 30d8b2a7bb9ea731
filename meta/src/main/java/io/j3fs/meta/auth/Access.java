package io.j3fs.meta.auth;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.UserInfo;

/**
 * Permission checks with Linux's rules on mode bits: the owner's bits if the caller owns the inode,
 * else the group's if the inode's group is the caller's or one of its supplementary groups, else
 * the others'. Root passes every read and write check, and an execute check when any execute bit is
 * set or the inode is a directory.
 */
public final class Access {
  public static final int READ = 4;
  public static final int WRITE = 2;
  public static final int EXECUTE = 1;

  public static final int S_ISUID = 04000;
  public static final int S_ISGID = 02000;
  public static final int S_ISVTX = 01000;

  private Access() {}

  public static boolean isRoot(UserInfo user) {
    return user.getUid() == 0;
  }

  public static boolean inGroup(UserInfo user, int gid) {
    if (user.getGid() == gid) {
      return true;
    }
    for (int g : user.getGroupsList()) {
      if (g == gid) {
        return true;
      }
    }
    return false;
  }

  public static boolean allowed(Inode inode, UserInfo user, int want) {
    int mode = inode.getMode();
    if (isRoot(user)) {
      if ((want & EXECUTE) == 0) {
        return true;
      }
      return inode.getType() == io.j3fs.proto.meta.InodeType.DIRECTORY || (mode & 0111) != 0;
    }
    int bits;
    if (user.getUid() == inode.getUid()) {
      bits = (mode >> 6) & 7;
    } else if (inGroup(user, inode.getGid())) {
      bits = (mode >> 3) & 7;
    } else {
      bits = mode & 7;
    }
    return (bits & want) == want;
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
