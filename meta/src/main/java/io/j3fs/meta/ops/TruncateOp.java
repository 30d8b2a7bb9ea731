package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.TruncateReq;
import io.j3fs.proto.meta.TruncateRsp;
import io.j3fs.proto.meta.store.InodeRecord;

/** ftruncate by inode: storage is cut first, then the length committed (see Truncation). */
public final class TruncateOp implements MetaOp<TruncateReq, TruncateRsp> {
  private final MetaContext ctx;

  public TruncateOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public TruncateRsp run(TruncateReq request) {
    Truncation.prepare(ctx, request.getUser(), null, request.getInodeId(), request.getLength());
    return Idempotent.run(
        ctx,
        request.getRequest(),
        TruncateRsp.parser(),
        tx -> {
          InodeRecord record = MetaStore.requireInode(tx, request.getInodeId());
          Truncation.check(record.getInode(), request.getUser());
          Inode cut = Truncation.apply(ctx, record.getInode(), request.getLength());
          MetaStore.putInode(tx, record.toBuilder().setInode(cut).build());
          return TruncateRsp.newBuilder().setInode(cut).build();
        });
  }
}
