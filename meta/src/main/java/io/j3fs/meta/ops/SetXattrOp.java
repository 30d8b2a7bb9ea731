package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.SetXattrReq;
import io.j3fs.proto.meta.SetXattrRsp;
import io.j3fs.proto.meta.store.InodeRecord;
import java.nio.charset.StandardCharsets;

/** setxattr with XATTR_CREATE / XATTR_REPLACE; needs write permission on the inode. */
public final class SetXattrOp implements MetaOp<SetXattrReq, SetXattrRsp> {
  private final MetaContext ctx;

  public SetXattrOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public SetXattrRsp run(SetXattrReq request) {
    Xattrs.checkName(request.getName());
    if (request.getValue().size() > Xattrs.MAX_VALUE_BYTES) {
      throw new StatusException(
          StatusCode.NO_SPACE,
          "an attribute value has at most "
              + Xattrs.MAX_VALUE_BYTES
              + " bytes, got "
              + request.getValue().size());
    }
    return Idempotent.run(
        ctx,
        request.getRequest(),
        SetXattrRsp.parser(),
        tx -> {
          InodeRecord record =
              Inodes.existing(tx, request.getUser(), request.getPath(), request.getFollow());
          Access.check(record.getInode(), request.getUser(), Access.WRITE, "set its attributes");
          boolean exists = record.getXattrsMap().containsKey(request.getName());
          if (exists && (request.getFlags() & Xattrs.XATTR_CREATE) != 0) {
            throw new StatusException(
                StatusCode.EXISTS, "attribute \"" + request.getName() + "\" exists");
          }
          if (!exists && (request.getFlags() & Xattrs.XATTR_REPLACE) != 0) {
            throw Xattrs.noSuch(request.getName());
          }
          InodeRecord.Builder out = record.toBuilder();
          out.putXattrs(request.getName(), request.getValue());
          long total = 0;
          for (var e : out.getXattrsMap().entrySet()) {
            total += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().size();
          }
          if (total > Xattrs.MAX_TOTAL_BYTES) {
            throw new StatusException(
                StatusCode.NO_SPACE,
                "attributes of one inode take at most " + Xattrs.MAX_TOTAL_BYTES + " bytes");
          }
          out.setInode(out.getInode().toBuilder().setCtimeNs(ctx.nowNs()));
          MetaStore.putInode(tx, out.build());
          return SetXattrRsp.getDefaultInstance();
        });
  }
}
