package io.j3fs.net;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.debug.DiscardRsp;
import io.j3fs.proto.debug.EchoReq;
import io.j3fs.proto.debug.EchoRsp;
import io.j3fs.proto.debug.FailReq;
import io.j3fs.proto.debug.SleepReq;
import io.j3fs.proto.debug.SleepRsp;

/**
 * Handlers of the Debug service: echo (with payload), discard, sleep, fail. Registered on every
 * server.
 */
final class DebugService {
  private static final long MAX_SLEEP_MS = 60_000;

  private DebugService() {}

  static void register(Dispatcher dispatcher) {
    dispatcher.register(
        "Debug.Echo",
        request ->
            RpcResponse.of(
                EchoRsp.newBuilder().setText(request.message(EchoReq.class).getText()).build(),
                request.payload().retain()));
    dispatcher.register(
        "Debug.Discard",
        request ->
            RpcResponse.of(
                DiscardRsp.newBuilder().setBytes(request.payload().readableBytes()).build()));
    dispatcher.register(
        "Debug.Sleep",
        request -> {
          long sleepMs = Math.min(MAX_SLEEP_MS, request.message(SleepReq.class).getSleepMs());
          try {
            Thread.sleep(sleepMs);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StatusException(StatusCode.CANCELLED, "sleep interrupted");
          }
          return RpcResponse.of(SleepRsp.getDefaultInstance());
        });
    dispatcher.register(
        "Debug.Fail",
        request -> {
          FailReq fail = request.message(FailReq.class);
          throw new StatusException(StatusCode.fromNumber(fail.getCode()), fail.getMessage());
        });
  }
}
