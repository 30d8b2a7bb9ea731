package io.j3fs.client.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.id.NodeId;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcResponse;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.LookupReq;
import io.j3fs.proto.meta.LookupRsp;
import io.j3fs.proto.meta.MkdirsReq;
import io.j3fs.proto.meta.MkdirsRsp;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Direct links on their own and through {@link MetaClient#call}: only listed methods, one attempt,
 * declined after a lost server and for the back-off after it, then connected again.
 */
class DirectMetaLinksTest {
  NettyTransport transport;
  Dispatcher dispatcher;
  RpcServer server;
  final AtomicInteger lookups = new AtomicInteger();
  final AtomicLong nowNanos = new AtomicLong(-5_000_000_000L); // nanoTime may be negative
  final AtomicLong callNanos = new AtomicLong();
  final AtomicLong mkdirs = new AtomicLong();
  DirectMetaLinks links;

  @BeforeEach
  void start() {
    transport = new NettyTransport(NettyTransport.Io.best(), 1);
    dispatcher = new Dispatcher();
    dispatcher.register(
        "Meta.Lookup",
        request -> {
          lookups.incrementAndGet();
          nowNanos.addAndGet(callNanos.get()); // how long this answer "took"
          return RpcResponse.of(
              LookupRsp.newBuilder()
                  .setInode(
                      Inode.newBuilder().setId(request.message(LookupReq.class).getName().length()))
                  .build());
        });
    dispatcher.register(
        "Meta.Create",
        request -> {
          throw new IllegalStateException("a mutation must never take the direct path");
        });
    dispatcher.register(
        "Meta.Mkdirs",
        request -> {
          mkdirs.incrementAndGet();
          nowNanos.addAndGet(callNanos.get());
          return RpcResponse.of(
              MkdirsRsp.newBuilder().setInode(Inode.newBuilder().setId(77)).build());
        });
    server = transport.serve(Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT);
    links =
        new DirectMetaLinks(
            ClientOptions.DEFAULT, 2_000, Set.of("Lookup"), Set.of("Mkdirs"), nowNanos::get);
  }

  @AfterEach
  void stop() {
    links.close();
    server.close();
    dispatcher.close();
    transport.close();
  }

  private long lookup(String name) {
    return links
        .call(
            List.of(server.endpoint()),
            "Lookup",
            LookupReq.newBuilder().setName(name).build(),
            LookupRsp.class)
        .getInode()
        .getId();
  }

  @Test
  void answersListedMethodsAndDeclinesTheRest() {
    assertThat(lookup("abc")).isEqualTo(3);
    assertThat(lookup("abcdef")).isEqualTo(6);
    assertThatThrownBy(
            () ->
                links.call(
                    List.of(server.endpoint()),
                    "Create",
                    CreateReq.getDefaultInstance(),
                    CreateRsp.class))
        .isInstanceOf(DirectMetaLinks.Declined.class);
    assertThatThrownBy(
            () -> links.call(List.of(), "Lookup", LookupReq.getDefaultInstance(), LookupRsp.class))
        .isInstanceOf(DirectMetaLinks.Declined.class);
    assertThat(lookups.get()).isEqualTo(2);
  }

  @Test
  void aLostServerIsDeclinedForTheBackOffThenReconnected() {
    Endpoint at = server.endpoint();
    assertThat(lookup("a")).isEqualTo(1);
    server.close();
    assertThatThrownBy(() -> lookup("b")).isInstanceOf(DirectMetaLinks.Declined.class);
    server = transport.serve(at, dispatcher, ServerOptions.DEFAULT);
    // Back again, but within the back-off: no connect is tried.
    assertThatThrownBy(() -> lookup("c")).isInstanceOf(DirectMetaLinks.Declined.class);
    assertThat(lookups.get()).isEqualTo(1);
    nowNanos.addAndGet((DirectMetaLinks.RECONNECT_BACKOFF_MS + 1) * 1_000_000);
    assertThat(lookup("dd")).isEqualTo(2);
    assertThat(lookups.get()).isEqualTo(2);
  }

  @Test
  void aRunOfSlowAnswersSendsCallsToTheOrdinaryPathForAWhile() {
    callNanos.set((DirectMetaLinks.SLOW_CALL_MS + 1) * 1_000_000);
    for (int i = 0; i < DirectMetaLinks.SLOW_CALLS; i++) {
      assertThat(lookup("slow")).isEqualTo(4); // each slow answer is still an answer
    }
    assertThatThrownBy(() -> lookup("x")).isInstanceOf(DirectMetaLinks.Declined.class);
    assertThat(lookups.get()).isEqualTo(DirectMetaLinks.SLOW_CALLS);
    callNanos.set(0);
    nowNanos.addAndGet(DirectMetaLinks.SLOW_BACKOFF_MS * 1_000_000);
    assertThat(lookup("fast")).isEqualTo(4);
    // A slow answer between fast ones does not count towards a run.
    for (int i = 0; i < 2 * DirectMetaLinks.SLOW_CALLS; i++) {
      callNanos.set(i % 2 == 0 ? (DirectMetaLinks.SLOW_CALL_MS + 1) * 1_000_000 : 0);
      assertThat(lookup("mixed")).isEqualTo(5);
    }
  }

  /** A listed mutation is answered, and its wait for a commit never counts as a slow answer. */
  @Test
  void listedMutationsAreAnsweredAndNotTimed() {
    callNanos.set((DirectMetaLinks.SLOW_CALL_MS + 1) * 1_000_000);
    for (int i = 0; i < 2 * DirectMetaLinks.SLOW_CALLS; i++) {
      MkdirsRsp rsp =
          links.call(
              List.of(server.endpoint()),
              "Mkdirs",
              MkdirsReq.getDefaultInstance(),
              MkdirsRsp.class);
      assertThat(rsp.getInode().getId()).isEqualTo(77);
    }
    assertThat(mkdirs.get()).isEqualTo(2 * DirectMetaLinks.SLOW_CALLS);
    callNanos.set(0);
    assertThat(lookup("still")).as("reads still take the links").isEqualTo(5);
  }

  @Test
  void metaClientCallsTakeTheBoundLinks() throws Exception {
    RoutingInfo routing =
        new RoutingInfo(
            1,
            Map.of(
                new NodeId(1),
                new RoutingInfo.Node(
                    new NodeId(1), NodeType.META, server.endpoint().toString(), false, false)),
            Map.of(),
            Map.of(),
            Map.of());
    // No ordinary client at all: an answer can only have come over the links.
    MetaClient client =
        new MetaClient(
            null,
            () -> routing,
            () -> {},
            "test",
            MetaClient.Config.DEFAULT,
            ClientOptions.DEFAULT);
    LookupRsp rsp =
        ScopedValue.where(MetaClient.DIRECT, links)
            .call(
                () ->
                    client.call(
                        "Lookup", LookupReq.newBuilder().setName("four").build(), LookupRsp.class));
    assertThat(rsp.getInode().getId()).isEqualTo(4);
    try (DirectMetaLinks made = client.newDirectLinks(1_000, Set.of("Lookup"), Set.of())) {
      assertThat(made).isNotNull();
    }
    MetaClient inProcessOnly =
        new MetaClient(null, () -> routing, () -> {}, "test", MetaClient.Config.DEFAULT);
    assertThat(inProcessOnly.newDirectLinks(1_000, Set.of("Lookup"), Set.of())).isNull();
    assertThatThrownBy(
            () ->
                ScopedValue.where(MetaClient.DIRECT, links)
                    .call(
                        () ->
                            client.call("Create", CreateReq.getDefaultInstance(), CreateRsp.class)))
        .isInstanceOf(DirectMetaLinks.Declined.class);
  }
}
