package io.j3fs.meta.ops;

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
    long queried =
        Lengths.queryIfNeeded(
            ctx,
            request.getInodeId(),
            request.hasLengthHint() ? request.getLengthHint() : null,
            request.getWrote());
    return Idempotent.run(
        ctx,
        request.getRequest(),
        CloseRsp.parser(),
        tx -> {
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
        });
  }
}
