package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.OpenReq;
import io.j3fs.proto.meta.OpenRsp;

/** open without O_CREAT: checks, O_TRUNC, and a write session for a write open. */
public final class OpenOp implements MetaOp<OpenReq, OpenRsp> {
  private final MetaContext ctx;

  public OpenOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public OpenRsp run(OpenReq request) {
    int flags = request.getFlags();
    boolean follow = (flags & Opens.O_NOFOLLOW) == 0;
    if ((flags & Opens.O_TRUNC) != 0) {
      Inode existing =
          ctx.kv()
              .read(
                  tx ->
                      Inodes.existing(tx, request.getUser(), request.getPath(), follow).getInode());
      if (existing.getType() == InodeType.FILE && existing.getLength() != 0) {
        Truncation.prepare(ctx, request.getUser(), null, existing.getId(), 0);
      }
    }
    return Idempotent.run(
        ctx,
        request.getRequest(),
        OpenRsp.parser(),
        tx -> {
          Opens.Opened opened =
              Opens.openExisting(
                  ctx,
                  tx,
                  request.getUser(),
                  request.getRequest(),
                  Inodes.existing(tx, request.getUser(), request.getPath(), follow),
                  flags);
          return OpenRsp.newBuilder()
              .setInode(opened.inode())
              .setSessionId(opened.sessionId())
              .build();
        });
  }
}
