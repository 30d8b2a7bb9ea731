package io.j3fs.client.meta;

import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.UserInfo;

/**
 * Linux's rules on mode bits, shared by the metadata service (which enforces them) and clients that
 * must answer a check themselves (FUSE's access): the owner's bits if the caller owns the inode,
 * else the group's if the inode's group is the caller's or one of its supplementary groups, else
 * the others'. Root passes every read and write check, and an execute check when any execute bit is
 * set or the inode is a directory.
 */
public final class Permissions {
  public static final int READ = 4;
  public static final int WRITE = 2;
  public static final int EXECUTE = 1;

  private Permissions() {}

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

  /** Whether {@code user} has every bit of {@code want} (READ, WRITE, EXECUTE) on the inode. */
  public static boolean allowed(Inode inode, UserInfo user, int want) {
    int mode = inode.getMode();
    if (isRoot(user)) {
      if ((want & EXECUTE) == 0) {
        return true;
      }
      return inode.getType() == InodeType.DIRECTORY || (mode & 0111) != 0;
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
}
