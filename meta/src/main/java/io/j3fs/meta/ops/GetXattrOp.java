package io.j3fs.meta.ops;

import com.google.protobuf.ByteString;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.proto.meta.GetXattrReq;
import io.j3fs.proto.meta.GetXattrRsp;
import io.j3fs.proto.meta.store.InodeRecord;

/** getxattr: needs read permission on the inode. */
public final class GetXattrOp implements MetaOp<GetXattrReq, GetXattrRsp> {
  private final MetaContext ctx;

  public GetXattrOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public GetXattrRsp run(GetXattrReq request) {
    Xattrs.checkName(request.getName());
    return ctx.kv()
        .read(
            tx -> {
              InodeRecord record =
                  Inodes.existing(tx, request.getUser(), request.getPath(), request.getFollow());
              Access.check(
                  record.getInode(), request.getUser(), Access.READ, "read its attributes");
              ByteString value = record.getXattrsMap().get(request.getName());
              if (value == null) {
                throw Xattrs.noSuch(request.getName());
              }
              return GetXattrRsp.newBuilder().setValue(value).build();
            });
  }
}
