package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.InodeIdAllocator;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.AcquireDirLeaseReq;
import io.j3fs.proto.meta.AcquireDirLeaseRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.store.DirLeaseRecord;
import io.j3fs.proto.meta.store.InodeRecord;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Grants a client the lease of a directory whose entries it may change (see {@link DirLeases}):
 * refused, without waiting, while another client holds it live or a recalled one cools down; the
 * holder asking again gets a fresh lease unless its own was recalled. Nothing is applied twice by a
 * retry: a second grant to the same client only replaces its first.
 */
public final class AcquireDirLeaseOp implements MetaOp<AcquireDirLeaseReq, AcquireDirLeaseRsp> {
  private static final AcquireDirLeaseRsp REFUSED = AcquireDirLeaseRsp.getDefaultInstance();

  private final MetaContext ctx;

  public AcquireDirLeaseOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public AcquireDirLeaseRsp run(AcquireDirLeaseReq request) {
    String client = request.getRequest().getClientId();
    if (client.isEmpty()) {
      throw StatusException.invalidArgument("a directory lease needs the client's id");
    }
    long leaseMs = ctx.settings().dirLeaseMs();
    if (leaseMs == 0) {
      return REFUSED; // leases are off: the client applies every unlink before answering
    }
    long dir = request.getDir();
    return ctx.kv()
        .run(
            tx -> {
              InodeRecord record = MetaStore.inode(tx, dir);
              if (record == null || record.getInode().getNlink() == 0) {
                throw new StatusException(
                    StatusCode.NOT_FOUND, "no directory 0x" + Long.toHexString(dir));
              }
              Inode inode = record.getInode();
              if (inode.getType() != InodeType.DIRECTORY) {
                throw new StatusException(
                    StatusCode.NOT_DIRECTORY, "0x" + Long.toHexString(dir) + " is not a directory");
              }
              Inodes.checkDirWritable(inode, request.getUser());
              DirLeaseRecord current = DirLeases.record(tx, dir);
              if (current != null && current.getExpiresMs() > ctx.nowMs()) {
                boolean othersLive =
                    !current.getClientId().isEmpty() && !current.getClientId().equals(client);
                if (othersLive || current.getRecalled()) {
                  return REFUSED; // someone holds it, or waited for it and has its turn now
                }
              }
              long leaseId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
              DirLeases.put(
                  tx,
                  dir,
                  DirLeaseRecord.newBuilder()
                      .setClientId(client)
                      .setLeaseId(leaseId)
                      .setExpiresMs(ctx.nowMs() + leaseMs)
                      .build());
              AcquireDirLeaseRsp.Builder out =
                  AcquireDirLeaseRsp.newBuilder()
                      .setGranted(true)
                      .setLeaseId(leaseId)
                      .setLeaseMs(leaseMs)
                      .setDir(inode);
              if (request.getWantInodeIds()) {
                out.setFirstInodeId(InodeIdAllocator.grant(tx, client, ctx.nowMs()))
                    .setInodeIds(InodeIdAllocator.BLOCK_IDS);
              }
              return out.build();
            });
  }
}
