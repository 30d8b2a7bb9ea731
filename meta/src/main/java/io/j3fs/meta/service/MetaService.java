package io.j3fs.meta.service;

import com.google.protobuf.Message;
import io.j3fs.meta.ops.MetaOp;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.RpcResponse;

/** The Meta RPC service: each method's wire message goes to its operation, nothing more. */
final class MetaService {
  private MetaService() {}

  static <Q extends Message, R extends Message> void bind(
      Dispatcher dispatcher, String method, Class<Q> type, MetaOp<Q, R> op) {
    dispatcher.register("Meta." + method, request -> RpcResponse.of(op.run(request.message(type))));
  }
}
