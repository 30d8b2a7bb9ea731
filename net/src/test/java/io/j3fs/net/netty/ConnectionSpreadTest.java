package io.j3fs.net.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A process's outgoing connections spread over its transport's event loops: a client reading from
 * three storage nodes must not do every node's receiving on one thread while the other idles.
 */
class ConnectionSpreadTest {
  @Test
  void connectionsOfOneTransportUseEveryLoop() throws Exception {
    try (NettyTransport serverSide = new NettyTransport(NettyTransport.Io.best(), 1);
        Dispatcher dispatcher = new Dispatcher();
        RpcServer server =
            serverSide.serve(Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT);
        NettyTransport clientSide = new NettyTransport(NettyTransport.Io.best(), 2)) {
      List<NettyConnection> connections = new ArrayList<>();
      try {
        Set<EventLoop> loops = new HashSet<>();
        for (int i = 0; i < 4; i++) {
          NettyConnection c =
              NettyConnection.connect(clientSide, server.endpoint(), ClientOptions.DEFAULT);
          connections.add(c);
          loops.add(c.eventLoop());
        }
        assertThat(loops).as("event loops of 4 connections on a 2-thread transport").hasSize(2);
      } finally {
        connections.forEach(NettyConnection::close);
      }
    }
  }
}
