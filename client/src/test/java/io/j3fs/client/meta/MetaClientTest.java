package io.j3fs.client.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.id.NodeId;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcResponse;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.inproc.InProcessNetwork;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.LookupReq;
import io.j3fs.proto.meta.LookupRsp;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Calls follow the live META nodes of the routing info as it changes (the list is cached per
 * routing info).
 */
class MetaClientTest {
  @Test
  void callsGoToTheLiveMetaNodesOfTheCurrentRoutingInfo() {
    try (InProcessNetwork network = new InProcessNetwork(3);
        Dispatcher a = answering(1);
        Dispatcher b = answering(2);
        RpcServer serverA = network.serve(Endpoint.loopback(0), a, ServerOptions.DEFAULT);
        RpcServer serverB = network.serve(Endpoint.loopback(0), b, ServerOptions.DEFAULT);
        RpcClient rpc = network.client(ClientOptions.DEFAULT)) {
      AtomicReference<RoutingInfo> routing =
          new AtomicReference<>(routing(1, serverA, false, serverB, true));
      MetaClient meta = new MetaClient(rpc, routing::get, () -> {}, "c", MetaClient.Config.DEFAULT);
      assertThat(lookup(meta)).as("only A is live").isEqualTo(1);
      assertThat(lookup(meta)).isEqualTo(1);
      routing.set(routing(2, serverA, true, serverB, false));
      assertThat(lookup(meta)).as("the new routing info: only B").isEqualTo(2);
      assertThat(lookup(meta)).isEqualTo(2);
    }
  }

  private static long lookup(MetaClient meta) {
    return meta.call("Lookup", LookupReq.newBuilder().setName("x").build(), LookupRsp.class)
        .getInode()
        .getId();
  }

  private static Dispatcher answering(long id) {
    Dispatcher d = new Dispatcher();
    d.register(
        "Meta.Lookup",
        request ->
            RpcResponse.of(LookupRsp.newBuilder().setInode(Inode.newBuilder().setId(id)).build()));
    return d;
  }

  private static RoutingInfo routing(
      long version, RpcServer a, boolean aFailed, RpcServer b, boolean bFailed) {
    return new RoutingInfo(
        version,
        Map.of(
            NodeId.of(1),
            new RoutingInfo.Node(
                NodeId.of(1), NodeType.META, a.endpoint().toString(), aFailed, false),
            NodeId.of(2),
            new RoutingInfo.Node(
                NodeId.of(2), NodeType.META, b.endpoint().toString(), bFailed, false)),
        Map.of(),
        Map.of(),
        Map.of());
  }
}
