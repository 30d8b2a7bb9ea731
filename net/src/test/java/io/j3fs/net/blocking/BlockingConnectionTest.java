package io.j3fs.net.blocking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.WireMethod;
import io.j3fs.proto.debug.EchoReq;
import io.j3fs.proto.debug.EchoRsp;
import io.j3fs.proto.debug.FailReq;
import io.j3fs.proto.debug.FailRsp;
import io.j3fs.proto.debug.SleepReq;
import io.j3fs.proto.debug.SleepRsp;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The calling-thread connection against the real Netty server: answers, the operation's own
 * failures (connection kept), a timeout and a lost server (connection closed, the next call refused
 * at once), and a refused handshake.
 */
class BlockingConnectionTest {
  static final WireMethod ECHO = WireCatalog.get().method("Debug.Echo");
  static final WireMethod FAIL = WireCatalog.get().method("Debug.Fail");
  static final WireMethod SLEEP = WireCatalog.get().method("Debug.Sleep");

  NettyTransport transport;
  Dispatcher dispatcher;
  RpcServer server;

  @BeforeEach
  void start() {
    transport = new NettyTransport(NettyTransport.Io.best(), 1);
    dispatcher = new Dispatcher();
    server =
        transport.serve(Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT.withToken("tok"));
  }

  @AfterEach
  void stop() {
    server.close();
    dispatcher.close();
    transport.close();
  }

  private BlockingConnection open() {
    return BlockingConnection.open(
        server.endpoint(), ClientOptions.DEFAULT.withToken("tok"), 5_000);
  }

  @Test
  void answersCallsOneAfterAnother() {
    try (BlockingConnection c = open()) {
      for (int i = 0; i < 100; i++) {
        EchoRsp rsp =
            c.call(ECHO, EchoReq.newBuilder().setText("hi " + i).build(), EchoRsp.class, 5_000);
        assertThat(rsp.getText()).isEqualTo("hi " + i);
      }
      String big = "x".repeat(100_000); // larger than the connection's first buffer
      assertThat(
              c.call(ECHO, EchoReq.newBuilder().setText(big).build(), EchoRsp.class, 5_000)
                  .getText())
          .isEqualTo(big);
    }
  }

  @Test
  void theOperationsOwnFailureKeepsTheConnection() {
    try (BlockingConnection c = open()) {
      FailReq fail =
          FailReq.newBuilder()
              .setCode(StatusCode.NOT_FOUND.number())
              .setMessage("no such name")
              .build();
      assertThatThrownBy(() -> c.call(FAIL, fail, FailRsp.class, 5_000))
          .isInstanceOfSatisfying(
              StatusException.class,
              e -> {
                assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND);
                assertThat(e.getMessage()).contains("no such name");
              });
      assertThat(c.isClosed()).isFalse();
      assertThat(
              c.call(ECHO, EchoReq.newBuilder().setText("after").build(), EchoRsp.class, 5_000)
                  .getText())
          .isEqualTo("after");
    }
  }

  @Test
  void aTimeoutClosesTheConnectionSoALateAnswerIsNeverTakenForTheNext() {
    try (BlockingConnection c = open()) {
      SleepReq slow = SleepReq.newBuilder().setSleepMs(1_000).build();
      assertThatThrownBy(() -> c.call(SLEEP, slow, SleepRsp.class, 50))
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.TIMEOUT));
      assertThat(c.isClosed()).isTrue();
      assertThatThrownBy(
              () -> c.call(ECHO, EchoReq.newBuilder().setText("x").build(), EchoRsp.class, 5_000))
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE));
    }
  }

  @Test
  void aLostServerIsUnavailable() {
    BlockingConnection c = open();
    server.close();
    assertThatThrownBy(
            () -> c.call(ECHO, EchoReq.newBuilder().setText("x").build(), EchoRsp.class, 5_000))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE));
    assertThat(c.isClosed()).isTrue();
  }

  @Test
  void aWrongTokenIsRefusedByTheHandshake() {
    assertThatThrownBy(
            () ->
                BlockingConnection.open(
                    server.endpoint(), ClientOptions.DEFAULT.withToken("wrong"), 5_000))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.PERMISSION_DENIED));
  }

  @Test
  void nothingListeningIsUnavailable() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThatThrownBy(
            () -> BlockingConnection.open(Endpoint.loopback(port), ClientOptions.DEFAULT, 5_000))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE));
  }
}
