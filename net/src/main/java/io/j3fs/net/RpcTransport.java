package io.j3fs.net;

/**
 * A way to carry frames: TCP through Netty, or an in-process network for tests and the simulator.
 * Both give the same {@link RpcServer} and {@link RpcClient} behaviour; one contract test suite
 * runs against each.
 */
public interface RpcTransport extends AutoCloseable {
  RpcServer serve(Endpoint endpoint, Dispatcher dispatcher, ServerOptions options);

  RpcClient client(ClientOptions options);

  @Override
  void close();
}
