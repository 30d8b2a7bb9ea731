package io.j3fs.net.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.proto.debug.EchoReq;
import io.j3fs.proto.debug.EchoRsp;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A peer that sends garbage loses its own connection; the server and its other connections carry
 * on.
 */
class MalformedPeerTest {
  @Test
  void garbageClosesOnlyThatConnection() throws Exception {
    try (NettyTransport transport = new NettyTransport();
        Dispatcher dispatcher = new Dispatcher();
        RpcServer server =
            transport.serve(Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT);
        RpcClient client = transport.client(ClientOptions.DEFAULT)) {
      client
          .call(
              server.endpoint(),
              "Debug.Echo",
              EchoReq.newBuilder().setText("before").build(),
              5_000)
          .get(10, TimeUnit.SECONDS)
          .close();
      for (int attempt = 0; attempt < 20; attempt++) {
        try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), server.endpoint().port())) {
          raw.setSoTimeout(5_000);
          byte[] junk = new byte[1 + new Random(attempt).nextInt(4096)];
          new Random(attempt).nextBytes(junk);
          OutputStream out = raw.getOutputStream();
          out.write(junk);
          out.flush();
          InputStream in = raw.getInputStream();
          // The server closes the connection: read ends (or resets) without an answer.
          int read;
          try {
            read = in.read();
          } catch (java.net.SocketException reset) {
            read = -1;
          }
          assertThat(read).as("server answered garbage instead of closing").isEqualTo(-1);
        }
      }
      try (RpcReply reply =
          client
              .call(
                  server.endpoint(),
                  "Debug.Echo",
                  EchoReq.newBuilder().setText("after").build(),
                  5_000)
              .get(10, TimeUnit.SECONDS)) {
        assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("after");
      }
    }
  }
}
