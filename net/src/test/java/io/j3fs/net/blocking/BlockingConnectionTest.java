package io.j3fs.net.blocking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcResponse;
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
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.LookupReq;
import io.j3fs.proto.meta.LookupRsp;
import io.netty.buffer.Unpooled;
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

  /**
   * An answer with a payload (not expected on this connection) is read past whole, larger than the
   * connection's buffer, and its message is intact; so is the next answer.
   */
  @Test
  void aPayloadBesideTheAnswerIsSkippedAndTheMessageKept() {
    dispatcher.register(
        "Meta.Lookup",
        request ->
            RpcResponse.of(
                LookupRsp.newBuilder().setInode(Inode.newBuilder().setId(4242)).build(),
                Unpooled.wrappedBuffer(new byte[300_000])));
    WireMethod lookup = WireCatalog.get().method("Meta.Lookup");
    try (BlockingConnection c = open()) {
      for (int i = 0; i < 3; i++) {
        LookupRsp rsp =
            c.call(lookup, LookupReq.newBuilder().setName("n").build(), LookupRsp.class, 5_000);
        assertThat(rsp.getInode().getId()).isEqualTo(4242);
      }
      assertThat(
              c.call(ECHO, EchoReq.newBuilder().setText("next").build(), EchoRsp.class, 5_000)
                  .getText())
          .isEqualTo("next");
    }
  }

  /** Every way a connection ends takes it off the deadline watch. */
  @Test
  void noConnectionStaysWatched() {
    int before = Deadlines.watched();
    BlockingConnection c = open();
    assertThat(Deadlines.watched()).isEqualTo(before + 1);
    c.close();
    assertThat(Deadlines.watched()).isEqualTo(before);
    BlockingConnection late = open();
    SleepReq slow = SleepReq.newBuilder().setSleepMs(500).build();
    assertThatThrownBy(() -> late.call(SLEEP, slow, SleepRsp.class, 30))
        .isInstanceOf(StatusException.class);
    assertThat(Deadlines.watched()).isEqualTo(before);
    assertThatThrownBy(
            () ->
                BlockingConnection.open(
                    server.endpoint(), ClientOptions.DEFAULT.withToken("wrong"), 5_000))
        .isInstanceOf(StatusException.class);
    assertThat(Deadlines.watched()).isEqualTo(before);
  }

  /**
   * A server that accepts and never answers the handshake: the open times out (no socket timeout).
   */
  @Test
  void aSilentServerTimesTheOpenOut() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      long started = System.nanoTime();
      assertTimeoutPreemptively(
          java.time.Duration.ofSeconds(10),
          () ->
              assertThatThrownBy(
                      () ->
                          BlockingConnection.open(
                              Endpoint.loopback(silent.getLocalPort()), ClientOptions.DEFAULT, 200))
                  .isInstanceOfSatisfying(
                      StatusException.class,
                      e -> assertThat(e.code()).isEqualTo(StatusCode.TIMEOUT)));
      assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
    }
  }

  @Test
  void anUnresolvableHostIsUnavailable() {
    assertThatThrownBy(
            () ->
                BlockingConnection.open(
                    new Endpoint("no-such-host.invalid", 9), ClientOptions.DEFAULT, 2_000))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE));
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
