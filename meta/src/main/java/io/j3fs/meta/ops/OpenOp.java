package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.OpenReq;
import io.j3fs.proto.meta.OpenRsp;

/**
 * open without O_CREAT: checks, O_TRUNC, and a write session for a write open. A read-only open
 * changes nothing and runs as a read transaction.
 */
public final class OpenOp implements MetaOp<OpenReq, OpenRsp> {
  private final MetaContext ctx;

  public OpenOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  /**
   * An open that neither writes nor truncates changes nothing, so it needs no write transaction, no
   * idempotency record and no commit: a dataloader's open of a sample costs reads only.
   */
  public static boolean readOnly(int flags) {
    return !Opens.writes(flags) && (flags & Opens.O_TRUNC) == 0;
  }

  @Override
  public OpenRsp run(OpenReq request) {
    int flags = request.getFlags();
    boolean follow = (flags & Opens.O_NOFOLLOW) == 0;
    if (readOnly(flags)) {
      return ctx.kv()
          .read(
              tx -> {
                Inode inode =
                    Inodes.existing(tx, request.getUser(), request.getPath(), follow).getInode();
                Opens.check(inode, request.getUser(), flags);
                return OpenRsp.newBuilder().setInode(inode).build();
              });
    }
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
