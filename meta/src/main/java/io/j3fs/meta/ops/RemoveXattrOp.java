package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.RemoveXattrReq;
import io.j3fs.proto.meta.RemoveXattrRsp;
import io.j3fs.proto.meta.store.InodeRecord;

/** removexattr; needs write permission on the inode. */
public final class RemoveXattrOp implements MetaOp<RemoveXattrReq, RemoveXattrRsp> {
  private final MetaContext ctx;

  public RemoveXattrOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public RemoveXattrRsp run(RemoveXattrReq request) {
    Xattrs.checkName(request.getName());
    return Idempotent.run(
        ctx,
        request.getRequest(),
        RemoveXattrRsp.parser(),
        tx -> {
          InodeRecord record =
              Inodes.existing(tx, request.getUser(), request.getPath(), request.getFollow());
          Access.check(record.getInode(), request.getUser(), Access.WRITE, "remove its attributes");
          if (!record.getXattrsMap().containsKey(request.getName())) {
            throw Xattrs.noSuch(request.getName());
          }
          InodeRecord.Builder out = record.toBuilder().removeXattrs(request.getName());
          out.setInode(out.getInode().toBuilder().setCtimeNs(ctx.nowNs()));
          MetaStore.putInode(tx, out.build());
          return RemoveXattrRsp.getDefaultInstance();
        });
  }
}
