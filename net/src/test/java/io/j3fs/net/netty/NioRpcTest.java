package io.j3fs.net.netty;

import io.j3fs.net.RpcContractTest;
import io.j3fs.net.RpcTransport;

class NioRpcTest extends RpcContractTest {
  @Override
  protected RpcTransport newTransport() {
    return new NettyTransport(NettyTransport.Io.NIO, 2);
  }
}
