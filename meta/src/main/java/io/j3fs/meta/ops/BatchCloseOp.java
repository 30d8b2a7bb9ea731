package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.BatchCloseReq;
import io.j3fs.proto.meta.BatchCloseRsp;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CloseRsp;

/**
 * Many closes in one transaction, so one commit (and one WAL fsync) ends many write sessions: a
 * client that closes files at a high rate (a FUSE mount releasing freshly created files) sends what
 * piled up while its previous batch was in flight. Each close is applied as {@link CloseOp} applies
 * it, at most once by its own request id. All or nothing: a close that fails fails the batch.
 */
public final class BatchCloseOp implements MetaOp<BatchCloseReq, BatchCloseRsp> {
  /** Closes in one batch, at most. */
  public static final int MAX_CLOSES = 256;

  private final MetaContext ctx;

  public BatchCloseOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public BatchCloseRsp run(BatchCloseReq request) {
    int n = request.getClosesCount();
    if (n > MAX_CLOSES) {
      throw StatusException.invalidArgument(
          "a batch close holds at most " + MAX_CLOSES + " closes, got " + n);
    }
    // Lengths that must come from storage are asked for before the transaction, as CloseOp does.
    long[] queried = new long[n];
    for (int i = 0; i < n; i++) {
      queried[i] = CloseOp.queryLength(ctx, request.getCloses(i));
    }
    return ctx.kv()
        .run(
            tx -> {
              BatchCloseRsp.Builder out = BatchCloseRsp.newBuilder();
              for (int i = 0; i < n; i++) {
                CloseReq close = request.getCloses(i);
                long length = queried[i];
                out.addResults(
                    Idempotent.apply(
                        ctx,
                        tx,
                        close.getRequest(),
                        CloseRsp.parser(),
                        () -> CloseOp.apply(ctx, tx, close, length)));
              }
              return out.build();
            });
  }
}
