package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Names;
import io.j3fs.meta.store.PathResolver;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.Layout;
import io.j3fs.proto.meta.MkdirsReq;
import io.j3fs.proto.meta.MkdirsRsp;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.proto.meta.store.InodeRecord;

/**
 * mkdir, and mkdir -p with {@code recursive}: every missing directory on the path in one
 * transaction. A new directory inherits its parent's layout template unless the request gives one.
 * Directories report nlink 1 (as btrfs does): their link count is not kept up to date with their
 * subdirectories, so creating one never writes the parent and parallel mkdirs in one directory do
 * not conflict.
 */
public final class MkdirsOp implements MetaOp<MkdirsReq, MkdirsRsp> {
  private final MetaContext ctx;

  public MkdirsOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public MkdirsRsp run(MkdirsReq request) {
    Layout template = Layouts.template(request.getLayout());
    return Idempotent.run(
        ctx,
        request.getRequest(),
        MkdirsRsp.parser(),
        tx -> MkdirsRsp.newBuilder().setInode(mkdirs(tx, request, template)).build());
  }

  private Inode mkdirs(Transaction tx, MkdirsReq request, Layout template) {
    UserInfo user = request.getUser();
    PathAt at = request.getPath();
    if (!request.getRecursive()) {
      PathResolver.Resolved r = Inodes.newEntry(tx, user, at);
      return mkdir(tx, request, r.parent(), r.name(), template);
    }
    long current = at.getPath().startsWith("/") ? 0 : at.getParent();
    Inode made = null;
    String[] parts = at.getPath().split("/");
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].isEmpty()) {
        continue;
      }
      boolean last = isLast(parts, i);
      PathResolver.Resolved r = PathResolver.resolve(tx, user, Inodes.at(current, parts[i]), true);
      if (r.exists()) {
        Inode found = r.inode().getInode();
        if (found.getType() != InodeType.DIRECTORY) {
          throw new StatusException(
              last ? StatusCode.EXISTS : StatusCode.NOT_DIRECTORY,
              "\"" + parts[i] + "\" exists and is not a directory");
        }
        current = found.getId();
        made = found;
        continue;
      }
      made =
          mkdir(tx, request, r.parent(), r.name(), last ? template : Layout.getDefaultInstance());
      current = made.getId();
    }
    if (made == null) {
      made = PathResolver.resolve(tx, user, at, true).require(at.getPath()).getInode();
    }
    return made;
  }

  private static boolean isLast(String[] parts, int i) {
    for (int j = i + 1; j < parts.length; j++) {
      if (!parts[j].isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private Inode mkdir(
      Transaction tx, MkdirsReq request, InodeRecord parent, String name, Layout template) {
    UserInfo user = request.getUser();
    int mode = request.getMode();
    Names.checkNew(name);
    Inode dir = parent.getInode();
    Inodes.checkDirWritable(dir, user);
    DirLeases.checkFree(ctx, tx, dir.getId(), request.getRequest());
    Layout layout =
        template.getChunkSize() != 0 || template.getStripeSize() != 0 || template.getTableId() != 0
            ? template
            : dir.getLayout().toBuilder().clearChains().build();
    Inode inode =
        Inodes.create(ctx, ctx.ids().next().value(), InodeType.DIRECTORY, mode, user, dir)
            .setParent(dir.getId())
            .setName(name)
            .setLayout(layout)
            .build();
    Inodes.link(tx, dir, name, inode);
    return inode;
  }
}
