package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.StatReq;
import io.j3fs.proto.meta.StatRsp;

/** stat and lstat: the attributes of what a path names. */
public final class StatOp implements MetaOp<StatReq, StatRsp> {
  private final MetaContext ctx;

  public StatOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public StatRsp run(StatReq request) {
    return ctx.kv()
        .read(
            tx ->
                StatRsp.newBuilder()
                    .setInode(
                        Inodes.existing(
                                tx, request.getUser(), request.getPath(), request.getFollow())
                            .getInode())
                    .build());
  }
}
