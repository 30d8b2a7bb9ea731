package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.SetLayoutReq;
import io.j3fs.proto.meta.SetLayoutRsp;
import io.j3fs.proto.meta.store.InodeRecord;

/**
 * The layout template of a directory: files created in it from now on (and directories, which copy
 * it) get its chunk size, stripe size and chain table. Existing files keep theirs.
 */
public final class SetLayoutOp implements MetaOp<SetLayoutReq, SetLayoutRsp> {
  private final MetaContext ctx;

  public SetLayoutOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public SetLayoutRsp run(SetLayoutReq request) {
    var template = Layouts.template(request.getLayout());
    return Idempotent.run(
        ctx,
        request.getRequest(),
        SetLayoutRsp.parser(),
        tx -> {
          InodeRecord record = Inodes.existing(tx, request.getUser(), request.getPath(), true);
          if (record.getInode().getType() != InodeType.DIRECTORY) {
            throw new StatusException(
                StatusCode.NOT_DIRECTORY, "a layout template belongs to a directory");
          }
          Access.checkOwner(record.getInode(), request.getUser(), "change a directory's layout");
          Inode updated =
              record.getInode().toBuilder().setLayout(template).setCtimeNs(ctx.nowNs()).build();
          MetaStore.putInode(tx, record.toBuilder().setInode(updated).build());
          return SetLayoutRsp.newBuilder().setInode(updated).build();
        });
  }
}
