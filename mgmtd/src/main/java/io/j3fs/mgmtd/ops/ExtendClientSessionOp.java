package io.j3fs.mgmtd.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.proto.mgmtd.ExtendClientSessionReq;
import io.j3fs.proto.mgmtd.ExtendClientSessionRsp;

/** A client process is alive: its session record is (re)written with the primary's time. */
public final class ExtendClientSessionOp
    implements MgmtdOp<ExtendClientSessionReq, ExtendClientSessionRsp> {
  /** Longest client id accepted, in characters. */
  static final int MAX_CLIENT_ID_CHARS = 256;

  @Override
  public ExtendClientSessionRsp run(PrimaryContext primary, ExtendClientSessionReq request) {
    if (request.getClientId().isEmpty()
        || request.getClientId().length() > MAX_CLIENT_ID_CHARS
        || request.getDescription().length() > MAX_CLIENT_ID_CHARS * 4) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          "client_id must be 1 to "
              + MAX_CLIENT_ID_CHARS
              + " characters and description at most "
              + MAX_CLIENT_ID_CHARS * 4);
    }
    long now = primary.nowMs();
    primary.write(
        tx -> {
          MgmtdStore.putSession(
              tx,
              new MgmtdStore.StoredSession(request.getClientId(), request.getDescription(), now));
          return null;
        });
    return ExtendClientSessionRsp.newBuilder()
        .setExpiresAtMs(now + primary.limits().clientSessionTimeoutMs())
        .build();
  }
}
