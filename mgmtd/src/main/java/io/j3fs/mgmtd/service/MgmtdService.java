package io.j3fs.mgmtd.service;

import com.google.protobuf.Message;
import io.j3fs.mgmtd.ops.CreateTargetsOp;
import io.j3fs.mgmtd.ops.DisableNodeOp;
import io.j3fs.mgmtd.ops.EnableNodeOp;
import io.j3fs.mgmtd.ops.ExtendClientSessionOp;
import io.j3fs.mgmtd.ops.GetConfigOp;
import io.j3fs.mgmtd.ops.GetRoutingInfoOp;
import io.j3fs.mgmtd.ops.HeartbeatOp;
import io.j3fs.mgmtd.ops.ListClientSessionsOp;
import io.j3fs.mgmtd.ops.MgmtdOp;
import io.j3fs.mgmtd.ops.OfflineTargetOp;
import io.j3fs.mgmtd.ops.RegisterNodeOp;
import io.j3fs.mgmtd.ops.SetChainTableOp;
import io.j3fs.mgmtd.ops.SetChainsOp;
import io.j3fs.mgmtd.ops.SetConfigOp;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.RpcResponse;
import io.j3fs.proto.mgmtd.CreateTargetsReq;
import io.j3fs.proto.mgmtd.DisableNodeReq;
import io.j3fs.proto.mgmtd.EnableNodeReq;
import io.j3fs.proto.mgmtd.ExtendClientSessionReq;
import io.j3fs.proto.mgmtd.GetConfigReq;
import io.j3fs.proto.mgmtd.GetRoutingInfoReq;
import io.j3fs.proto.mgmtd.HeartbeatReq;
import io.j3fs.proto.mgmtd.ListClientSessionsReq;
import io.j3fs.proto.mgmtd.OfflineTargetReq;
import io.j3fs.proto.mgmtd.RegisterNodeReq;
import io.j3fs.proto.mgmtd.SetChainTableReq;
import io.j3fs.proto.mgmtd.SetChainsReq;
import io.j3fs.proto.mgmtd.SetConfigReq;

/** The Mgmtd RPC service: each method's wire message goes to its operation, nothing more. */
final class MgmtdService {
  private MgmtdService() {}

  static void register(Dispatcher dispatcher, MgmtdServer server) {
    dispatcher.register("Mgmtd.GetPrimaryMgmtd", request -> RpcResponse.of(server.primary()));
    bind(dispatcher, server, "Mgmtd.RegisterNode", RegisterNodeReq.class, new RegisterNodeOp());
    bind(dispatcher, server, "Mgmtd.Heartbeat", HeartbeatReq.class, new HeartbeatOp());
    bind(
        dispatcher,
        server,
        "Mgmtd.GetRoutingInfo",
        GetRoutingInfoReq.class,
        new GetRoutingInfoOp());
    bind(
        dispatcher,
        server,
        "Mgmtd.ExtendClientSession",
        ExtendClientSessionReq.class,
        new ExtendClientSessionOp());
    bind(
        dispatcher,
        server,
        "Mgmtd.ListClientSessions",
        ListClientSessionsReq.class,
        new ListClientSessionsOp());
    bind(dispatcher, server, "Mgmtd.CreateTargets", CreateTargetsReq.class, new CreateTargetsOp());
    bind(dispatcher, server, "Mgmtd.SetChains", SetChainsReq.class, new SetChainsOp());
    bind(dispatcher, server, "Mgmtd.SetChainTable", SetChainTableReq.class, new SetChainTableOp());
    bind(dispatcher, server, "Mgmtd.OfflineTarget", OfflineTargetReq.class, new OfflineTargetOp());
    bind(dispatcher, server, "Mgmtd.SetConfig", SetConfigReq.class, new SetConfigOp());
    bind(dispatcher, server, "Mgmtd.GetConfig", GetConfigReq.class, new GetConfigOp());
    bind(dispatcher, server, "Mgmtd.EnableNode", EnableNodeReq.class, new EnableNodeOp());
    bind(dispatcher, server, "Mgmtd.DisableNode", DisableNodeReq.class, new DisableNodeOp());
  }

  private static <Q extends Message, R extends Message> void bind(
      Dispatcher dispatcher, MgmtdServer server, String method, Class<Q> type, MgmtdOp<Q, R> op) {
    dispatcher.register(
        method, request -> RpcResponse.of(server.execute(op, request.message(type))));
  }
}
