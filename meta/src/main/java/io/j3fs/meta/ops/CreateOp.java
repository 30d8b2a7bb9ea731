package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Names;
import io.j3fs.meta.store.PathResolver;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;

/**
 * open(O_CREAT): a new file with a layout picked now, or (without O_EXCL) the existing one opened
 * with the same flags. A write open also starts a write session.
 */
public final class CreateOp implements MetaOp<CreateReq, CreateRsp> {
  private final MetaContext ctx;

  public CreateOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Whether this create needs nothing but the store: not O_TRUNC (an existing file would be cut on
   * storage first), and an inode id in hand (taking a block of ids is a commit of its own).
   */
  public static boolean storeOnly(MetaContext ctx, CreateReq request) {
    return (request.getFlags() & Opens.O_TRUNC) == 0 && ctx.ids().canTakeInline(1);
  }

  @Override
  public CreateRsp run(CreateReq request) {
    int flags = request.getFlags();
    boolean follow = (flags & (Opens.O_EXCL | Opens.O_NOFOLLOW)) == 0;
    if ((flags & Opens.O_TRUNC) != 0 && (flags & Opens.O_EXCL) == 0) {
      // An existing file is cut on storage before the transaction (see Truncation).
      existingToTruncate(request, follow);
    }
    return Idempotent.run(
        ctx,
        request.getRequest(),
        CreateRsp.parser(),
        tx -> {
          PathResolver.Resolved r =
              PathResolver.resolve(tx, request.getUser(), request.getPath(), follow);
          if (r.exists()) {
            if ((flags & Opens.O_EXCL) != 0) {
              throw new StatusException(
                  StatusCode.EXISTS, Inodes.describe(request.getPath()) + " exists");
            }
            if (r.parent() != null) {
              // Create-or-open of a name the lease holder may have unlinked already (its batch
              // not applied yet): the file must be a new one, so it waits for the holder.
              DirLeases.checkFree(ctx, tx, r.parent().getInode().getId(), request.getRequest());
            }
            Opens.Opened opened =
                Opens.openExisting(
                    ctx, tx, request.getUser(), request.getRequest(), r.inode(), flags);
            return CreateRsp.newBuilder()
                .setInode(opened.inode())
                .setSessionId(opened.sessionId())
                .build();
          }
          r.requireName(request.getPath().getPath());
          Names.checkNew(r.name());
          Inode dir = r.parent().getInode();
          Inodes.checkDirWritable(dir, request.getUser());
          DirLeases.checkFree(ctx, tx, dir.getId(), request.getRequest());
          Inode inode =
              Inodes.create(
                      ctx,
                      ctx.ids().next().value(),
                      InodeType.FILE,
                      request.getMode(),
                      request.getUser(),
                      dir)
                  .setLayout(Layouts.forNewFile(ctx, dir.getLayout(), request.getLayout()))
                  .build();
          Inodes.link(tx, dir, r.name(), inode);
          String session =
              Opens.writes(flags)
                  ? Opens.newSession(ctx, tx, request.getRequest(), inode.getId())
                  : "";
          return CreateRsp.newBuilder()
              .setInode(inode)
              .setCreated(true)
              .setSessionId(session)
              .build();
        });
  }

  private void existingToTruncate(CreateReq request, boolean follow) {
    Inode existing =
        ctx.kv()
            .read(
                tx -> {
                  PathResolver.Resolved r =
                      PathResolver.resolve(tx, request.getUser(), request.getPath(), follow);
                  return r.exists() ? r.inode().getInode() : null;
                });
    if (existing != null && existing.getType() == InodeType.FILE && existing.getLength() != 0) {
      Truncation.prepare(ctx, request.getUser(), null, existing.getId(), 0);
    }
  }
}
