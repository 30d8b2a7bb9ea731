package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.meta.store.PathResolver;
import io.j3fs.proto.meta.GetRealPathReq;
import io.j3fs.proto.meta.GetRealPathRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;

/**
 * The absolute path of what a path names, with every symlink resolved: directories know their
 * parent and name, so the walk goes up to the root; a file is its directory's path plus its name.
 */
public final class GetRealPathOp implements MetaOp<GetRealPathReq, GetRealPathRsp> {
  /** Directories walked up, at most (deeper means a loop: a damaged namespace). */
  static final int MAX_DEPTH = 4_096;

  private final MetaContext ctx;

  public GetRealPathOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public GetRealPathRsp run(GetRealPathReq request) {
    return ctx.kv()
        .read(
            tx -> {
              PathResolver.Resolved r =
                  PathResolver.resolve(tx, request.getUser(), request.getPath(), true);
              Inode inode = r.require(request.getPath().getPath()).getInode();
              String path;
              if (inode.getType() == InodeType.DIRECTORY) {
                path = pathOf(tx, inode);
              } else {
                String dir = pathOf(tx, r.parent().getInode());
                path = (dir.equals("/") ? "" : dir) + "/" + r.name();
              }
              return GetRealPathRsp.newBuilder().setPath(path).build();
            });
  }

  static String pathOf(io.j3fs.kv.ReadTransaction tx, Inode dir) {
    StringBuilder path = new StringBuilder();
    Inode at = dir;
    for (int depth = 0; at.getId() != 0; depth++) {
      if (depth > MAX_DEPTH) {
        throw new StatusException(StatusCode.INTERNAL, "directory parents form a loop");
      }
      path.insert(0, "/" + at.getName());
      at = MetaStore.requireInode(tx, at.getParent()).getInode();
    }
    return path.isEmpty() ? "/" : path.toString();
  }
}
