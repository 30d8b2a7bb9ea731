package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.auth.Names;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.meta.store.PathResolver;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.RenameReq;
import io.j3fs.proto.meta.RenameRsp;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.proto.meta.store.DirEntryRecord;
import io.j3fs.proto.meta.store.InodeRecord;

/**
 * rename and renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE), atomically, as Linux defines them: a
 * directory cannot move under itself (checked by walking the destination's ancestors inside the
 * transaction, so two concurrent renames that would together make a loop conflict and one retries),
 * replacing needs matching types and an empty directory, and renaming onto another link of the same
 * file does nothing.
 */
public final class RenameOp implements MetaOp<RenameReq, RenameRsp> {
  static final int RENAME_NOREPLACE = 1;
  static final int RENAME_EXCHANGE = 2;

  private final MetaContext ctx;

  public RenameOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public RenameRsp run(RenameReq request) {
    int flags = request.getFlags();
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0
        || flags == (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
      throw StatusException.invalidArgument("rename flags " + flags + " are not valid");
    }
    RenameRsp rsp =
        Idempotent.run(
            ctx,
            request.getRequest(),
            RenameRsp.parser(),
            tx -> RenameRsp.newBuilder().setInode(rename(tx, request)).build());
    ctx.gcHint().queued(); // committed; a replaced name may have queued its inode (GcHint)
    return rsp;
  }

  private Inode rename(Transaction tx, RenameReq request) {
    UserInfo user = request.getUser();
    PathResolver.Resolved src = PathResolver.resolve(tx, user, request.getSrc(), false);
    InodeRecord srcRecord = src.require(request.getSrc().getPath());
    if (src.parent() == null) {
      throw new StatusException(
          StatusCode.NOT_PERMITTED, "cannot rename the root or a directory named by itself");
    }
    PathResolver.Resolved dst = PathResolver.resolve(tx, user, request.getDst(), false);
    if (dst.parent() == null) {
      throw new StatusException(
          StatusCode.NOT_PERMITTED, "the destination names a directory itself");
    }
    Names.checkNew(dst.name());
    Inode srcDir = src.parent().getInode();
    Inode dstDir = dst.parent().getInode();
    Inode moving = srcRecord.getInode();
    Inodes.checkDirWritable(srcDir, user);
    Inodes.checkDirWritable(dstDir, user);
    DirLeases.checkFree(ctx, tx, srcDir.getId(), request.getRequest());
    DirLeases.checkFree(ctx, tx, dstDir.getId(), request.getRequest());
    Access.checkSticky(srcDir, moving, user);
    if (dst.exists()) {
      Access.checkSticky(dstDir, dst.inode().getInode(), user);
    }
    if (srcDir.getId() == dstDir.getId() && src.name().equals(dst.name())) {
      return moving;
    }
    boolean exchange = (request.getFlags() & RENAME_EXCHANGE) != 0;
    if (moving.getType() == InodeType.DIRECTORY) {
      checkNotUnder(tx, dstDir, moving.getId());
    }
    if (exchange) {
      if (!dst.exists()) {
        throw new StatusException(
            StatusCode.NOT_FOUND, "RENAME_EXCHANGE: the destination does not exist");
      }
      Inode other = dst.inode().getInode();
      if (other.getType() == InodeType.DIRECTORY) {
        checkNotUnder(tx, srcDir, other.getId());
      }
      put(tx, srcDir.getId(), src.name(), other);
      put(tx, dstDir.getId(), dst.name(), moving);
      moved(tx, dst.inode(), srcDir.getId(), src.name());
      return moved(tx, srcRecord, dstDir.getId(), dst.name());
    }
    if (dst.exists()) {
      if ((request.getFlags() & RENAME_NOREPLACE) != 0) {
        throw new StatusException(StatusCode.EXISTS, Inodes.describe(request.getDst()) + " exists");
      }
      Inode replaced = dst.inode().getInode();
      if (replaced.getId() == moving.getId()) {
        return moving; // two links of one file: POSIX says do nothing
      }
      boolean movingDir = moving.getType() == InodeType.DIRECTORY;
      boolean replacedDir = replaced.getType() == InodeType.DIRECTORY;
      if (movingDir && !replacedDir) {
        throw new StatusException(
            StatusCode.NOT_DIRECTORY, "a directory cannot replace a non-directory");
      }
      if (!movingDir && replacedDir) {
        throw new StatusException(
            StatusCode.IS_DIRECTORY, "a non-directory cannot replace a directory");
      }
      if (replacedDir) {
        // (Held by another client, it may look empty with that client's creates still waiting.)
        DirLeases.checkFree(ctx, tx, replaced.getId(), request.getRequest());
        if (!MetaStore.isEmptyDirectory(tx, replaced.getId())) {
          throw new StatusException(
              StatusCode.NOT_EMPTY, Inodes.describe(request.getDst()) + " is not empty");
        }
        Inodes.removeDirectory(ctx, tx, dst.inode());
      } else {
        Inodes.unlinkFile(ctx, tx, dst.inode());
      }
    }
    MetaStore.clearEntry(tx, srcDir.getId(), src.name());
    put(tx, dstDir.getId(), dst.name(), moving);
    return moved(tx, srcRecord, dstDir.getId(), dst.name());
  }

  /** INVALID_ARGUMENT if {@code dir} is {@code ancestor} or below it. */
  private static void checkNotUnder(Transaction tx, Inode dir, long ancestor) {
    Inode at = dir;
    for (int depth = 0; ; depth++) {
      if (at.getId() == ancestor) {
        throw StatusException.invalidArgument("a directory cannot move under itself");
      }
      if (at.getId() == 0 || depth > GetRealPathOp.MAX_DEPTH) {
        return;
      }
      at = MetaStore.requireInode(tx, at.getParent()).getInode();
    }
  }

  private static void put(Transaction tx, long dir, String name, Inode inode) {
    MetaStore.putEntry(
        tx,
        dir,
        name,
        DirEntryRecord.newBuilder().setInodeId(inode.getId()).setType(inode.getType()).build());
  }

  /** The moved inode with its new ctime (and, for a directory, its new parent and name). */
  private Inode moved(Transaction tx, InodeRecord record, long newParent, String newName) {
    InodeRecord current = MetaStore.requireInode(tx, record.getInode().getId());
    Inode.Builder inode = current.getInode().toBuilder().setCtimeNs(ctx.nowNs());
    if (inode.getType() == InodeType.DIRECTORY) {
      inode.setParent(newParent).setName(newName);
    }
    Inode out = inode.build();
    MetaStore.putInode(tx, current.toBuilder().setInode(out).build());
    return out;
  }
}
