package io.j3fs.net;

/**
 * Serves one RPC method. Runs on a virtual thread, so it may block. Fails by throwing {@link
 * io.j3fs.common.status.StatusException}; any other exception is answered as INTERNAL (and logged,
 * never sent).
 */
@FunctionalInterface
public interface RpcHandler {
  RpcResponse handle(RpcRequest request);
}
