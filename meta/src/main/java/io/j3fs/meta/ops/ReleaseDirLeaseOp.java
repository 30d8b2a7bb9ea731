package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.ReleaseDirLeaseReq;
import io.j3fs.proto.meta.ReleaseDirLeaseRsp;
import io.j3fs.proto.meta.store.DirLeaseRecord;

/**
 * Gives a directory lease back (see {@link DirLeases}). A recalled one leaves a cool-down record in
 * its place, so the client that waited for it is not beaten to the directory by a new grant; any
 * other record (another lease, or none) is left alone, which makes a retry harmless.
 */
public final class ReleaseDirLeaseOp implements MetaOp<ReleaseDirLeaseReq, ReleaseDirLeaseRsp> {
  private final MetaContext ctx;

  public ReleaseDirLeaseOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public ReleaseDirLeaseRsp run(ReleaseDirLeaseReq request) {
    long dir = request.getDir();
    return ctx.kv()
        .run(
            tx -> {
              DirLeaseRecord r = DirLeases.record(tx, dir);
              if (r == null
                  || !r.getClientId().equals(request.getRequest().getClientId())
                  || r.getLeaseId() != request.getLeaseId()) {
                return ReleaseDirLeaseRsp.getDefaultInstance();
              }
              if (r.getRecalled()) {
                DirLeases.put(
                    tx,
                    dir,
                    DirLeaseRecord.newBuilder()
                        .setRecalled(true)
                        .setExpiresMs(ctx.nowMs() + DirLeases.RECALL_COOLDOWN_MS)
                        .build());
              } else {
                DirLeases.clear(tx, dir);
              }
              return ReleaseDirLeaseRsp.getDefaultInstance();
            });
  }
}
