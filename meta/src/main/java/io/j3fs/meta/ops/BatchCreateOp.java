package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Names;
import io.j3fs.meta.store.InodeIdAllocator;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.BatchCreateReq;
import io.j3fs.proto.meta.BatchCreateRsp;
import io.j3fs.proto.meta.CreateResult;
import io.j3fs.proto.meta.DeferredCreate;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.Layout;
import io.j3fs.proto.meta.store.InodeRecord;

/**
 * Applies creates a client answered before sending them (create-behind, the create side of
 * unlink-behind; see {@link DirLeases}), all in one transaction, and renews the client's lease on
 * the directory. Each makes a new empty file under the inode id the client answered with, which
 * must come from a block of ids given to that client ({@link InodeIdAllocator#grant}) and be
 * unused; the name must be free and the caller allowed to add it, as {@link CreateOp} checks. A
 * create that may not be made is answered with its status and the rest go on. Another client's live
 * lease refuses the whole batch (DIRECTORY_LEASED, that lease recalled), as for {@link
 * BatchRemoveOp}.
 *
 * <p>The layout of each file is picked here, from the directory's, as for a create; a create whose
 * handle is still open for writing also starts its write session, in the same transaction.
 */
public final class BatchCreateOp implements MetaOp<BatchCreateReq, BatchCreateRsp> {
  /** Creates in one batch, at most (one transaction, so one commit). */
  public static final int MAX_CREATES = 1_024;

  private final MetaContext ctx;

  public BatchCreateOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public BatchCreateRsp run(BatchCreateReq request) {
    if (request.getCreatesCount() > MAX_CREATES) {
      throw StatusException.invalidArgument(
          "a batch creates at most " + MAX_CREATES + " files, got " + request.getCreatesCount());
    }
    if (request.getRequest().getClientId().isEmpty()) {
      throw StatusException.invalidArgument("a batch of creates needs the client's id");
    }
    return Idempotent.run(
        ctx, request.getRequest(), BatchCreateRsp.parser(), tx -> apply(tx, request));
  }

  private BatchCreateRsp apply(Transaction tx, BatchCreateReq request) {
    long dirId = request.getDir();
    DirLeases.checkFree(ctx, tx, dirId, request.getRequest());
    InodeRecord dirRecord = MetaStore.inode(tx, dirId);
    BatchCreateRsp.Builder out = BatchCreateRsp.newBuilder();
    for (DeferredCreate create : request.getCreatesList()) {
      try {
        out.addResults(create(tx, request, dirRecord, create));
      } catch (StatusException e) {
        if (e.code().retriable()) {
          throw e; // the whole transaction again (a conflict)
        }
        out.addResults(
            CreateResult.newBuilder().setStatus(e.code().number()).setMessage(e.getMessage()));
      }
    }
    DirLeases.Renewal renewal =
        DirLeases.renew(ctx, tx, dirId, request.getRequest(), request.getLeaseId());
    if (renewal != null) {
      out.setLeaseKept(renewal.kept()).setLeaseMs(renewal.leaseMs());
    }
    if (request.getWantInodeIds()) {
      out.setFirstInodeId(
              InodeIdAllocator.grant(tx, request.getRequest().getClientId(), ctx.nowMs()))
          .setInodeIds(InodeIdAllocator.BLOCK_IDS);
    }
    return out.build();
  }

  private CreateResult create(
      Transaction tx, BatchCreateReq request, InodeRecord dirRecord, DeferredCreate create) {
    if (dirRecord == null
        || dirRecord.getInode().getType() != InodeType.DIRECTORY
        || dirRecord.getInode().getNlink() == 0) {
      throw new StatusException(StatusCode.NOT_FOUND, "the directory is gone");
    }
    Inode dir = dirRecord.getInode();
    String name = create.getName();
    Names.checkNew(name);
    if (MetaStore.entry(tx, dir.getId(), name) != null) {
      throw new StatusException(StatusCode.EXISTS, "\"" + name + "\" exists");
    }
    Inodes.checkDirWritable(dir, create.getUser());
    long id = create.getInodeId();
    String client = request.getRequest().getClientId();
    if (!client.equals(InodeIdAllocator.grantedTo(tx, id))) {
      throw StatusException.invalidArgument(
          "inode id 0x" + Long.toHexString(id) + " was not given to this client");
    }
    if (MetaStore.inode(tx, id) != null) {
      throw new StatusException(
          StatusCode.EXISTS, "inode id 0x" + Long.toHexString(id) + " is in use");
    }
    Inode.Builder made =
        Inodes.create(ctx, id, InodeType.FILE, create.getMode(), create.getUser(), dir)
            .setLayout(Layouts.forNewFile(ctx, dir.getLayout(), Layout.getDefaultInstance()));
    long time = create.getTimeNs();
    if (time > 0) { // the times the client answered with, so that they do not change later
      made.setAtimeNs(time).setMtimeNs(time).setCtimeNs(time);
    }
    Inode inode = made.build();
    Inodes.link(tx, dir, name, inode);
    CreateResult.Builder result = CreateResult.newBuilder().setInode(inode);
    if (create.getOpenForWrite()) {
      result.setSessionId(Opens.newSession(ctx, tx, request.getRequest(), id));
    }
    return result.build();
  }
}
