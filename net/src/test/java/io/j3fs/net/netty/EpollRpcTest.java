package io.j3fs.net.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.net.RpcContractTest;
import io.j3fs.net.RpcTransport;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Test;

class EpollRpcTest extends RpcContractTest {
  @Override
  protected RpcTransport newTransport() {
    return new NettyTransport(NettyTransport.Io.EPOLL, 2);
  }

  @Test
  void nativeEpollIsAvailableHere() {
    assertThat(Epoll.isAvailable())
        .as("epoll unavailable: %s", Epoll.unavailabilityCause())
        .isTrue();
  }
}
