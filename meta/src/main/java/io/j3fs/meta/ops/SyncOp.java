package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.SyncReq;
import io.j3fs.proto.meta.SyncRsp;

/** fsync and the periodic length sync of an open file: the length and times, the session stays. */
public final class SyncOp implements MetaOp<SyncReq, SyncRsp> {
  private final MetaContext ctx;

  public SyncOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  /** Whether this sync needs nothing but the store (its length hint is not to be checked). */
  public static boolean storeOnly(SyncReq request) {
    return Lengths.storeOnly(request.hasLengthHint(), request.getLengthHint(), request.getWrote());
  }

  @Override
  public SyncRsp run(SyncReq request) {
    long queried =
        Lengths.queryIfNeeded(
            ctx,
            request.getInodeId(),
            request.hasLengthHint() ? request.getLengthHint() : null,
            request.getWrote());
    return ctx.kv()
        .run(
            tx ->
                SyncRsp.newBuilder()
                    .setInode(
                        Lengths.record(
                            ctx,
                            tx,
                            request.getInodeId(),
                            request.hasLengthHint() ? request.getLengthHint() : null,
                            queried,
                            request.getWrote()))
                    .build());
  }
}
