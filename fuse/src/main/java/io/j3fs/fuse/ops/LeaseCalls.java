package io.j3fs.fuse.ops;

import io.j3fs.client.meta.MetaClient;
import io.j3fs.proto.meta.AcquireDirLeaseReq;
import io.j3fs.proto.meta.AcquireDirLeaseRsp;
import io.j3fs.proto.meta.BatchCreateReq;
import io.j3fs.proto.meta.BatchCreateRsp;
import io.j3fs.proto.meta.BatchRemoveReq;
import io.j3fs.proto.meta.BatchRemoveRsp;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.ReleaseDirLeaseReq;
import io.j3fs.proto.meta.ReleaseDirLeaseRsp;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.UserInfo;

/**
 * {@link UnlinkBehind}'s metadata calls, through the ordinary client (its own threads never have
 * direct links bound), which retries what may pass on a retry with the same request id.
 */
final class LeaseCalls implements UnlinkBehind.Meta {
  /** Names per List call (the service's largest page): a directory of 3,000 is one call. */
  static final int LIST_PAGE = 10_000;

  private final MetaClient meta;

  LeaseCalls(MetaClient meta) {
    this.meta = meta;
  }

  @Override
  public AcquireDirLeaseRsp acquire(long dir, UserInfo user, boolean wantIds) {
    return meta.call(
        "AcquireDirLease",
        AcquireDirLeaseReq.newBuilder()
            .setUser(user)
            .setRequest(meta.newRequest())
            .setDir(dir)
            .setWantInodeIds(wantIds)
            .build(),
        AcquireDirLeaseRsp.class);
  }

  @Override
  public ListRsp list(long dir, UserInfo user, String after) {
    return meta.call("List", FsContext.listing(dir, user, after, LIST_PAGE, false), ListRsp.class);
  }

  @Override
  public BatchRemoveRsp remove(BatchRemoveReq request) {
    return meta.call("BatchRemove", request, BatchRemoveRsp.class);
  }

  @Override
  public BatchCreateRsp create(BatchCreateReq request) {
    return meta.call("BatchCreate", request, BatchCreateRsp.class);
  }

  @Override
  public void release(long dir, long leaseId) {
    meta.call(
        "ReleaseDirLease",
        ReleaseDirLeaseReq.newBuilder()
            .setRequest(meta.newRequest())
            .setDir(dir)
            .setLeaseId(leaseId)
            .build(),
        ReleaseDirLeaseRsp.class);
  }

  @Override
  public RequestId newRequest() {
    return meta.newRequest();
  }
}
