package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.proto.meta.store.FileSessionRecord;
import io.j3fs.proto.meta.store.InodeRecord;
import java.util.UUID;

/** Open flags (Linux's numbers) and the steps shared by open and create. */
final class Opens {
  static final int O_ACCMODE = 03;
  static final int O_WRONLY = 01;
  static final int O_RDWR = 02;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_TRUNC = 01000;
  static final int O_DIRECTORY = 0200000;
  static final int O_NOFOLLOW = 0400000;

  private Opens() {}

  static boolean writes(int flags) {
    return (flags & O_ACCMODE) != 0;
  }

  /** What an open returns: the inode (after O_TRUNC) and the write session, if any. */
  record Opened(Inode inode, String sessionId) {}

  /**
   * Opens an existing inode inside the transaction: type and permission checks, O_TRUNC (the caller
   * cut the storage first, see {@link Truncation}), and a write session for a write open.
   */
  static Opened openExisting(
      MetaContext ctx,
      Transaction tx,
      UserInfo user,
      RequestId request,
      InodeRecord record,
      int flags) {
    Inode inode = record.getInode();
    check(inode, user, flags);
    if ((flags & O_TRUNC) != 0 && inode.getType() == InodeType.FILE && inode.getLength() != 0) {
      long now = ctx.nowNs();
      inode =
          inode.toBuilder()
              .setLength(0)
              .setTruncateVersion(inode.getTruncateVersion() + 1)
              .setMtimeNs(now)
              .setCtimeNs(now)
              .build();
      MetaStore.putInode(tx, record.toBuilder().setInode(inode).build());
    }
    String session = writes(flags) ? newSession(ctx, tx, request, inode.getId()) : "";
    return new Opened(inode, session);
  }

  /** The type and permission checks of an open. */
  static void check(Inode inode, UserInfo user, int flags) {
    if (inode.getType() == InodeType.SYMLINK) {
      throw new StatusException(
          StatusCode.TOO_MANY_SYMLINKS, "the path names a symlink and O_NOFOLLOW was given");
    }
    if ((flags & O_DIRECTORY) != 0 && inode.getType() != InodeType.DIRECTORY) {
      throw new StatusException(
          StatusCode.NOT_DIRECTORY, "O_DIRECTORY on something not a directory");
    }
    boolean write = writes(flags) || (flags & O_TRUNC) != 0;
    if (inode.getType() == InodeType.DIRECTORY && write) {
      throw new StatusException(
          StatusCode.IS_DIRECTORY, "a directory cannot be opened for writing");
    }
    int want = 0;
    if ((flags & O_ACCMODE) != O_WRONLY) {
      want |= Access.READ;
    }
    if (write) {
      want |= Access.WRITE;
    }
    Access.check(inode, user, want, "open it with these flags");
  }

  static String newSession(MetaContext ctx, Transaction tx, RequestId request, long inode) {
    String session = UUID.randomUUID().toString();
    MetaStore.putSession(
        tx,
        FileSessionRecord.newBuilder()
            .setInodeId(inode)
            .setClientId(request.getClientId())
            .setSessionId(session)
            .setOpenedMs(ctx.nowMs())
            .build());
    return session;
  }
}
