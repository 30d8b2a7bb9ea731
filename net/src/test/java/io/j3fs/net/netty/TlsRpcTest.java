package io.j3fs.net.netty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.LeakCounter;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.debug.EchoReq;
import io.j3fs.proto.debug.EchoRsp;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS round trips (with token) over Netty, with a certificate made by the JDK's keytool for this
 * test.
 */
@ExtendWith(LeakCounter.class)
class TlsRpcTest {
  @TempDir static Path dir;
  private static SslContext serverContext;
  private static SslContext clientContext;

  @BeforeAll
  static void makeCertificate() throws Exception {
    Path keystore = dir.resolve("server.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process process =
        new ProcessBuilder(
                List.of(
                    keytool,
                    "-genkeypair",
                    "-alias",
                    "server",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=127.0.0.1",
                    "-ext",
                    "san=ip:127.0.0.1",
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    keystore.toString(),
                    "-storepass",
                    "changeit"))
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), UTF_8);
    assertThat(process.waitFor()).as("keytool: %s", output).isZero();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, "changeit".toCharArray());
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    serverContext = SslContextBuilder.forServer(keys).build();
    clientContext = SslContextBuilder.forClient().trustManager(trust).build();
  }

  @Test
  void tlsRoundTripWithToken() throws Exception {
    try (NettyTransport transport = new NettyTransport();
        Dispatcher dispatcher = new Dispatcher();
        RpcServer server =
            transport.serve(
                Endpoint.loopback(0),
                dispatcher,
                ServerOptions.DEFAULT.withSsl(serverContext).withToken("t0ken"));
        RpcClient client =
            transport.client(ClientOptions.DEFAULT.withSsl(clientContext).withToken("t0ken"));
        RpcClient plain = transport.client(ClientOptions.DEFAULT.withToken("t0ken"))) {
      byte[] data = new byte[1 << 20];
      new Random(4).nextBytes(data);
      try (RpcReply reply =
          client
              .call(
                  server.endpoint(),
                  WireCatalog.get().method("Debug.Echo"),
                  EchoReq.newBuilder().setText("secure").build(),
                  Unpooled.wrappedBuffer(data),
                  10_000)
              .get(20, TimeUnit.SECONDS)) {
        assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("secure");
        assertThat(ByteBufUtil.getBytes(reply.payload())).isEqualTo(data);
      }
      // A client that does not speak TLS gets no service.
      try {
        plain
            .call(server.endpoint(), "Debug.Echo", EchoReq.getDefaultInstance(), 2_000)
            .get(20, TimeUnit.SECONDS)
            .close();
        throw new AssertionError("plain-text client was served by a TLS server");
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(StatusException.class);
        assertThat(((StatusException) e.getCause()).retriable()).isTrue();
      }
    }
  }
}
