package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.meta.store.PathResolver;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.RemoveKind;
import io.j3fs.proto.meta.RemoveReq;
import io.j3fs.proto.meta.RemoveRsp;
import io.j3fs.proto.meta.store.InodeRecord;

/**
 * unlink, rmdir, and recursive remove. A file loses one link (at zero it waits in the GC queue
 * until no write session holds it). An empty directory goes at once; a non-empty one, with {@code
 * recursive}, is detached in this transaction and its contents are removed by the GC in bounded
 * batches, so one remove never becomes a transaction too large to commit.
 */
public final class RemoveOp implements MetaOp<RemoveReq, RemoveRsp> {
  private final MetaContext ctx;

  public RemoveOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public RemoveRsp run(RemoveReq request) {
    RemoveRsp rsp =
        Idempotent.run(ctx, request.getRequest(), RemoveRsp.parser(), tx -> remove(tx, request));
    ctx.gcHint().queued(); // committed: the GC looks at its queue again (GcHint)
    return rsp;
  }

  private RemoveRsp remove(Transaction tx, RemoveReq request) {
    PathResolver.Resolved r = PathResolver.resolve(tx, request.getUser(), request.getPath(), false);
    InodeRecord record = r.require(request.getPath().getPath());
    if (r.parent() == null) {
      throw new StatusException(
          record.getInode().getId() == 0 ? StatusCode.NOT_PERMITTED : StatusCode.INVALID_ARGUMENT,
          "cannot remove " + Inodes.describe(request.getPath()) + ": it names a directory itself");
    }
    Inode dir = r.parent().getInode();
    Inode inode = record.getInode();
    Inodes.checkDirWritable(dir, request.getUser());
    DirLeases.checkFree(ctx, tx, dir.getId(), request.getRequest());
    Access.checkSticky(dir, inode, request.getUser());
    boolean isDir = inode.getType() == InodeType.DIRECTORY;
    if (request.getKind() == RemoveKind.REMOVE_FILE && isDir) {
      throw new StatusException(
          StatusCode.IS_DIRECTORY, Inodes.describe(request.getPath()) + " is a directory");
    }
    if (request.getKind() == RemoveKind.REMOVE_DIRECTORY && !isDir) {
      throw new StatusException(
          StatusCode.NOT_DIRECTORY, Inodes.describe(request.getPath()) + " is not a directory");
    }
    if (isDir) {
      // A directory another client holds may look empty while that client's creates wait to be
      // applied in it: it is removed only once they are (or the lease is given back).
      DirLeases.checkFree(ctx, tx, inode.getId(), request.getRequest());
    }
    MetaStore.clearEntry(tx, dir.getId(), r.name());
    if (!isDir) {
      Inodes.unlinkFile(ctx, tx, record);
    } else {
      if (!request.getRecursive() && !MetaStore.isEmptyDirectory(tx, inode.getId())) {
        throw new StatusException(
            StatusCode.NOT_EMPTY, Inodes.describe(request.getPath()) + " is not empty");
      }
      if (request.getRecursive()) {
        Access.check(
            inode, request.getUser(), Access.WRITE | Access.EXECUTE, "remove what is in it");
      }
      Inodes.removeDirectory(ctx, tx, record);
    }
    return RemoveRsp.getDefaultInstance();
  }
}
