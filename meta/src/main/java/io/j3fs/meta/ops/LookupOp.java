package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.LookupReq;
import io.j3fs.proto.meta.LookupRsp;
import io.j3fs.proto.meta.PathAt;

/** One name in one directory, without following a symlink (FUSE's lookup). */
public final class LookupOp implements MetaOp<LookupReq, LookupRsp> {
  private final MetaContext ctx;

  public LookupOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public LookupRsp run(LookupReq request) {
    io.j3fs.meta.auth.Names.check(request.getName());
    PathAt at =
        PathAt.newBuilder().setParent(request.getParent()).setPath(request.getName()).build();
    return ctx.kv()
        .read(
            tx ->
                LookupRsp.newBuilder()
                    .setInode(Inodes.existing(tx, request.getUser(), at, false).getInode())
                    .build());
  }
}
