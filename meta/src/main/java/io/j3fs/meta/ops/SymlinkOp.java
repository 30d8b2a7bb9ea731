package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Names;
import io.j3fs.meta.store.PathResolver;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.SymlinkReq;
import io.j3fs.proto.meta.SymlinkRsp;
import java.nio.charset.StandardCharsets;

/** symlink: a new symlink inode (mode 0777, length = target bytes) and its entry. */
public final class SymlinkOp implements MetaOp<SymlinkReq, SymlinkRsp> {
  private final MetaContext ctx;

  public SymlinkOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public SymlinkRsp run(SymlinkReq request) {
    if (request.getTarget().isEmpty()) {
      throw StatusException.invalidArgument("a symlink target must not be empty");
    }
    Names.checkPath(request.getTarget());
    return Idempotent.run(
        ctx,
        request.getRequest(),
        SymlinkRsp.parser(),
        tx -> {
          PathResolver.Resolved r = Inodes.newEntry(tx, request.getUser(), request.getPath());
          Inode dir = r.parent().getInode();
          DirLeases.checkFree(ctx, tx, dir.getId(), request.getRequest());
          Inode inode =
              Inodes.create(
                      ctx,
                      ctx.ids().next().value(),
                      InodeType.SYMLINK,
                      0777,
                      request.getUser(),
                      dir)
                  .setSymlinkTarget(request.getTarget())
                  .setLength(request.getTarget().getBytes(StandardCharsets.UTF_8).length)
                  .build();
          Inodes.link(tx, dir, r.name(), inode);
          return SymlinkRsp.newBuilder().setInode(inode).build();
        });
  }
}
