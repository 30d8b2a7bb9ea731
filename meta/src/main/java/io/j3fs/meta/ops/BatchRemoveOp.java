package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.BatchRemoveReq;
import io.j3fs.proto.meta.BatchRemoveRsp;
import io.j3fs.proto.meta.DeferredUnlink;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.store.DirEntryRecord;
import io.j3fs.proto.meta.store.InodeRecord;

/**
 * Applies unlinks a client answered before sending them (unlink-behind, see {@link DirLeases}), all
 * in one transaction, and renews the client's lease on the directory. Each unlink removes its name
 * only if the name still leads to the inode the client saw, a file or symlink, and only if its
 * caller may remove it there, as {@link RemoveOp} checks; an unlink that may not is answered with
 * its status and the rest go on. Another client's live lease refuses the whole batch
 * (DIRECTORY_LEASED, that lease recalled): the client retries until it is given back or expires.
 *
 * <p>The batch renews the caller's live lease, also a recalled one, so that a holder draining what
 * it answered before the recall keeps the directory until it is done; {@code lease_kept} tells it
 * whether it may go on answering.
 */
public final class BatchRemoveOp implements MetaOp<BatchRemoveReq, BatchRemoveRsp> {
  /** Unlinks in one batch, at most (one transaction, so one commit). */
  public static final int MAX_UNLINKS = 1_024;

  private final MetaContext ctx;

  public BatchRemoveOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public BatchRemoveRsp run(BatchRemoveReq request) {
    if (request.getUnlinksCount() > MAX_UNLINKS) {
      throw StatusException.invalidArgument(
          "a batch removes at most " + MAX_UNLINKS + " names, got " + request.getUnlinksCount());
    }
    BatchRemoveRsp rsp =
        Idempotent.run(
            ctx, request.getRequest(), BatchRemoveRsp.parser(), tx -> apply(tx, request));
    ctx.gcHint().queued(); // committed: the GC looks at its queue again (GcHint)
    return rsp;
  }

  private BatchRemoveRsp apply(Transaction tx, BatchRemoveReq request) {
    long dirId = request.getDir();
    DirLeases.checkFree(ctx, tx, dirId, request.getRequest());
    InodeRecord dirRecord = MetaStore.inode(tx, dirId);
    BatchRemoveRsp.Builder out = BatchRemoveRsp.newBuilder();
    for (DeferredUnlink unlink : request.getUnlinksList()) {
      int status;
      try {
        unlink(tx, dirRecord, unlink);
        status = StatusCode.OK.number();
      } catch (StatusException e) {
        if (e.code().retriable()) {
          throw e; // the whole transaction again (a conflict)
        }
        status = e.code().number();
      }
      out.addStatuses(status);
    }
    DirLeases.Renewal renewal =
        DirLeases.renew(ctx, tx, dirId, request.getRequest(), request.getLeaseId());
    if (renewal != null) {
      out.setLeaseKept(renewal.kept()).setLeaseMs(renewal.leaseMs());
    }
    return out.build();
  }

  private void unlink(Transaction tx, InodeRecord dirRecord, DeferredUnlink unlink) {
    if (dirRecord == null || dirRecord.getInode().getType() != InodeType.DIRECTORY) {
      throw new StatusException(StatusCode.NOT_FOUND, "the directory is gone");
    }
    Inode dir = dirRecord.getInode();
    DirEntryRecord entry = MetaStore.entry(tx, dir.getId(), unlink.getName());
    if (entry == null || entry.getInodeId() != unlink.getInodeId()) {
      throw new StatusException(
          StatusCode.NOT_FOUND, "\"" + unlink.getName() + "\" no longer names that inode");
    }
    InodeRecord record = MetaStore.inode(tx, entry.getInodeId());
    if (record == null) {
      throw new StatusException(StatusCode.NOT_FOUND, "\"" + unlink.getName() + "\" is gone");
    }
    Inode inode = record.getInode();
    if (inode.getType() == InodeType.DIRECTORY) {
      throw new StatusException(
          StatusCode.IS_DIRECTORY, "\"" + unlink.getName() + "\" is a directory");
    }
    Inodes.checkDirWritable(dir, unlink.getUser());
    Access.checkSticky(dir, inode, unlink.getUser());
    MetaStore.clearEntry(tx, dir.getId(), unlink.getName());
    Inodes.unlinkFile(ctx, tx, record);
  }
}
