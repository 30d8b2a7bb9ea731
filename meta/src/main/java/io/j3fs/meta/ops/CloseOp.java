package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CloseRsp;
import io.j3fs.proto.meta.store.InodeRecord;

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
    return ctx.kv()
        .run(
            tx ->
                Idempotent.apply(
                    ctx,
                    tx,
                    request.getRequest(),
                    CloseRsp.parser(),
                    () -> {
                      InodeRecord record = MetaStore.requireInode(tx, request.getInodeId());
                      if (!request.getSessionId().isEmpty()) {
                        MetaStore.clearSession(tx, request.getInodeId(), request.getSessionId());
                      }
                      InodeRecord updated =
                          Lengths.apply(
                              ctx,
                              record,
                              request.hasLengthHint() ? request.getLengthHint() : null,
                              queried,
                              request.getWrote());
                      if (!updated.equals(record)) {
                        MetaStore.putInode(tx, updated);
                      }
                      return CloseRsp.newBuilder().setInode(updated.getInode()).build();
                    }));
  }
}
