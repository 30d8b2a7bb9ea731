package io.j3fs.meta.ops;

import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.ListXattrReq;
import io.j3fs.proto.meta.ListXattrRsp;
import io.j3fs.proto.meta.store.InodeRecord;
import java.util.TreeSet;

/** listxattr: the names, sorted; needs no permission on the inode itself (as Linux). */
public final class ListXattrOp implements MetaOp<ListXattrReq, ListXattrRsp> {
  private final MetaContext ctx;

  public ListXattrOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public ListXattrRsp run(ListXattrReq request) {
    return ctx.kv()
        .read(
            tx -> {
              InodeRecord record =
                  Inodes.existing(tx, request.getUser(), request.getPath(), request.getFollow());
              return ListXattrRsp.newBuilder()
                  .addAllNames(new TreeSet<>(record.getXattrsMap().keySet()))
                  .build();
            });
  }
}
