package io.j3fs.meta.ops;

import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CloseRsp;

/**
 * close: ends the write session and records the file's new length and times. A file unlinked while
 * open keeps its inode (nlink 0, queued for the GC) until its last session ends; the GC checks.
 */
public final class CloseOp implements MetaOp<CloseReq, CloseRsp> {
  private final MetaContext ctx;

  public CloseOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public CloseRsp run(CloseReq request) {
    long queried = queryLength(ctx, request);
    return Idempotent.run(
        ctx, request.getRequest(), CloseRsp.parser(), tx -> apply(ctx, tx, request, queried));
  }

  /** Whether this close needs nothing but the store (its length hint is not to be checked). */
  public static boolean storeOnly(CloseReq request) {
    return Lengths.storeOnly(request.hasLengthHint(), request.getLengthHint(), request.getWrote());
  }

  /** The length from storage when the request's hint is not exact (outside any transaction). */
  static long queryLength(MetaContext ctx, CloseReq request) {
    return Lengths.queryIfNeeded(
        ctx,
        request.getInodeId(),
        request.hasLengthHint() ? request.getLengthHint() : null,
        request.getWrote());
  }

  /** One close inside {@code tx}: the session ends, the length and times are recorded. */
  static CloseRsp apply(MetaContext ctx, Transaction tx, CloseReq request, long queried) {
    if (!request.getSessionId().isEmpty()) {
      MetaStore.clearSession(tx, request.getInodeId(), request.getSessionId());
    }
    return CloseRsp.newBuilder()
        .setInode(
            Lengths.record(
                ctx,
                tx,
                request.getInodeId(),
                request.hasLengthHint() ? request.getLengthHint() : null,
                queried,
                request.getWrote()))
        .build();
  }
}
