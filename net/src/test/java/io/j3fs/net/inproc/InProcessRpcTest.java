package io.j3fs.net.inproc;

import io.j3fs.net.RpcContractTest;
import io.j3fs.net.RpcTransport;

class InProcessRpcTest extends RpcContractTest {
  @Override
  protected RpcTransport newTransport() {
    return new InProcessNetwork(42);
  }
}
