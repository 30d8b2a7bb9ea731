package io.j3fs.mgmtd.ops;

import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.proto.mgmtd.ClientSessionInfo;
import io.j3fs.proto.mgmtd.ListClientSessionsReq;
import io.j3fs.proto.mgmtd.ListClientSessionsRsp;
import java.util.List;

/**
 * Live client sessions (the metadata service prunes write sessions of clients missing here).
 * Expired sessions met on the way are deleted, a bounded number per call.
 */
public final class ListClientSessionsOp
    implements MgmtdOp<ListClientSessionsReq, ListClientSessionsRsp> {
  @Override
  public ListClientSessionsRsp run(PrimaryContext primary, ListClientSessionsReq request) {
    long notBefore = primary.nowMs() - primary.limits().clientSessionTimeoutMs();
    List<MgmtdStore.StoredSession> live =
        primary.write(
            tx -> MgmtdStore.liveSessions(tx, notBefore, primary.limits().maxSessionsRemoved()));
    ListClientSessionsRsp.Builder out = ListClientSessionsRsp.newBuilder();
    for (MgmtdStore.StoredSession session : live) {
      out.addSessions(
          ClientSessionInfo.newBuilder()
              .setClientId(session.clientId())
              .setDescription(session.description())
              .setLastExtendedMs(session.lastExtendedMs()));
    }
    return out.build();
  }
}
