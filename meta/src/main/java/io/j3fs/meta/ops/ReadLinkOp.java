package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.ReadLinkReq;
import io.j3fs.proto.meta.ReadLinkRsp;
import io.j3fs.proto.meta.store.InodeRecord;

/** The target of a symlink. */
public final class ReadLinkOp implements MetaOp<ReadLinkReq, ReadLinkRsp> {
  private final MetaContext ctx;

  public ReadLinkOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public ReadLinkRsp run(ReadLinkReq request) {
    return ctx.kv()
        .read(
            tx -> {
              InodeRecord record = Inodes.existing(tx, request.getUser(), request.getPath(), false);
              if (record.getInode().getType() != InodeType.SYMLINK) {
                throw StatusException.invalidArgument(
                    Inodes.describe(request.getPath()) + " is not a symlink");
              }
              return ReadLinkRsp.newBuilder()
                  .setTarget(record.getInode().getSymlinkTarget())
                  .build();
            });
  }
}
