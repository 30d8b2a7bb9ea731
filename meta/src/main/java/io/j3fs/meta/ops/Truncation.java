package io.j3fs.meta.ops;

import io.j3fs.common.id.InodeId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.proto.meta.store.InodeRecord;

/**
 * Changing a file's length is done on storage first and in the metadata second: the chunks past the
 * new end are cut before the new length is committed, so a reader never finds old bytes inside the
 * length, and a retry after a failure between the two steps repeats the (idempotent) storage step.
 * Extending also cuts storage at the old end first, so bytes a writer left past the old length (it
 * died before closing) do not reappear inside the new one.
 */
final class Truncation {
  private Truncation() {}

  /** Checks the target and cuts its storage; returns the inode as it was. */
  static Inode prepare(MetaContext ctx, UserInfo user, PathAt at, long inodeId, long length) {
    Inode inode =
        ctx.kv()
            .read(
                tx -> {
                  InodeRecord record =
                      at != null
                          ? Inodes.existing(tx, user, at, true)
                          : MetaStore.requireInode(tx, inodeId);
                  return record.getInode();
                });
    check(inode, user);
    if (inode.getLength() != length || length == 0) {
      ctx.storage()
          .truncate(
              InodeId.of(inode.getId()), inode.getLayout(), Math.min(inode.getLength(), length));
    }
    return inode;
  }

  static void check(Inode inode, UserInfo user) {
    if (inode.getType() == InodeType.DIRECTORY) {
      throw new StatusException(StatusCode.IS_DIRECTORY, "a directory has no length to set");
    }
    if (inode.getType() != InodeType.FILE) {
      throw StatusException.invalidArgument("only a file's length can be set");
    }
    Access.check(inode, user, Access.WRITE, "change its length");
  }

  static Inode apply(MetaContext ctx, Inode inode, long length) {
    long now = ctx.nowNs();
    return inode.toBuilder()
        .setLength(length)
        .setTruncateVersion(inode.getTruncateVersion() + 1)
        .setMtimeNs(now)
        .setCtimeNs(now)
        .build();
  }
}
