package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.BatchStatReq;
import io.j3fs.proto.meta.BatchStatRsp;
import io.j3fs.proto.meta.StatResult;
import io.j3fs.proto.meta.store.InodeRecord;

/** The attributes of many inodes by id in one snapshot, each with its own status. */
public final class BatchStatOp implements MetaOp<BatchStatReq, BatchStatRsp> {
  /** Inodes in one request, at most. */
  public static final int MAX_INODES = 1_000;

  private final MetaContext ctx;

  public BatchStatOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public BatchStatRsp run(BatchStatReq request) {
    if (request.getInodeIdsCount() > MAX_INODES) {
      throw StatusException.invalidArgument(
          "a batch stat names at most "
              + MAX_INODES
              + " inodes, got "
              + request.getInodeIdsCount());
    }
    return ctx.kv()
        .read(
            tx -> {
              BatchStatRsp.Builder out = BatchStatRsp.newBuilder();
              for (long id : request.getInodeIdsList()) {
                InodeRecord record = MetaStore.inode(tx, id);
                if (record == null
                    || (record.getInode().getNlink() == 0 && !request.getIncludeUnlinked())) {
                  out.addResults(
                      StatResult.newBuilder()
                          .setStatus(StatusCode.NOT_FOUND.number())
                          .setMessage(String.format("inode 0x%x does not exist", id)));
                } else {
                  out.addResults(StatResult.newBuilder().setInode(record.getInode()));
                }
              }
              return out.build();
            });
  }
}
