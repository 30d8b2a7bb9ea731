package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.meta.store.PathResolver;
import io.j3fs.proto.meta.HardLinkReq;
import io.j3fs.proto.meta.HardLinkRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.store.DirEntryRecord;
import io.j3fs.proto.meta.store.InodeRecord;

/** link: one more entry for a file or symlink (never a directory), nlink + 1. */
public final class HardLinkOp implements MetaOp<HardLinkReq, HardLinkRsp> {
  private final MetaContext ctx;

  public HardLinkOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public HardLinkRsp run(HardLinkReq request) {
    return Idempotent.run(
        ctx,
        request.getRequest(),
        HardLinkRsp.parser(),
        tx -> {
          InodeRecord old = Inodes.existing(tx, request.getUser(), request.getOldPath(), false);
          Inode inode = old.getInode();
          if (inode.getType() == InodeType.DIRECTORY) {
            throw new StatusException(
                StatusCode.NOT_PERMITTED, "a directory cannot have hard links");
          }
          if (inode.getNlink() == 0) {
            throw new StatusException(StatusCode.NOT_FOUND, "the file was removed");
          }
          if (inode.getNlink() >= Inodes.MAX_LINKS) {
            throw new StatusException(
                StatusCode.TOO_MANY_LINKS, "the file has " + inode.getNlink() + " links");
          }
          PathResolver.Resolved r = Inodes.newEntry(tx, request.getUser(), request.getNewPath());
          DirLeases.checkFree(ctx, tx, r.parent().getInode().getId(), request.getRequest());
          Inode linked =
              inode.toBuilder().setNlink(inode.getNlink() + 1).setCtimeNs(ctx.nowNs()).build();
          MetaStore.putInode(tx, old.toBuilder().setInode(linked).build());
          MetaStore.putEntry(
              tx,
              r.parent().getInode().getId(),
              r.name(),
              DirEntryRecord.newBuilder()
                  .setInodeId(inode.getId())
                  .setType(inode.getType())
                  .build());
          return HardLinkRsp.newBuilder().setInode(linked).build();
        });
  }
}
