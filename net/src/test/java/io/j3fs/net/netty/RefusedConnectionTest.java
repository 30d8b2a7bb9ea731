package io.j3fs.net.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.debug.EchoReq;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A call made on a connection the server refused at its handshake before the call was made gets the
 * refusal's status, as a call that waited for the handshake does: a client without the cluster's
 * token is told PERMISSION_DENIED, not UNAVAILABLE (which said "try again"). On a fast loop the
 * refusal can come back before the caller, which just opened the connection, makes its call;
 * RpcContractTest saw UNAVAILABLE once so.
 */
class RefusedConnectionTest {
  @Test
  void aCallAfterTheRefusalGetsTheRefusalsStatus() throws Exception {
    try (NettyTransport transport = new NettyTransport(NettyTransport.Io.best(), 1);
        Dispatcher dispatcher = new Dispatcher();
        RpcServer server =
            transport.serve(
                Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT.withToken("s3cret"))) {
      NettyConnection c =
          NettyConnection.connect(transport, server.endpoint(), ClientOptions.DEFAULT);
      try {
        for (int i = 0; i < 5_000 && !c.isBroken(); i++) {
          Thread.sleep(1);
        }
        assertThat(c.isBroken()).as("refused").isTrue();
        var call =
            c.call(
                WireCatalog.get().method("Debug.Echo"),
                EchoReq.newBuilder().setText("hi").build(),
                Unpooled.EMPTY_BUFFER,
                5_000);
        assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
            .cause()
            .isInstanceOfSatisfying(
                StatusException.class,
                e -> {
                  assertThat(e.code()).isEqualTo(StatusCode.PERMISSION_DENIED);
                  assertThat(e.getMessage()).contains("token is required");
                });
      } finally {
        c.close();
      }
    }
  }
}
