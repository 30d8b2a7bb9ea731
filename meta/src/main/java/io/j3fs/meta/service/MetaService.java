package io.j3fs.meta.service;

import com.google.protobuf.Message;
import io.j3fs.meta.ops.MetaOp;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.RpcResponse;
import java.util.function.Predicate;

/** The Meta RPC service: each method's wire message goes to its operation, nothing more. */
final class MetaService {
  private MetaService() {}

  static <Q extends Message, R extends Message> void bind(
      Dispatcher dispatcher, String method, Class<Q> type, MetaOp<Q, R> op) {
    dispatcher.register("Meta." + method, request -> RpcResponse.of(op.run(request.message(type))));
  }

  /**
   * Binds a read-only operation that is also tried inline, on the event loop that read the request
   * ({@code inlineOp} reads through {@link OneAttemptReads}), when {@code small} says the request
   * is short work: one lookup or a few stats. Anything else, or a read that would have to be
   * retried, runs as {@link #bind} does.
   */
  static <Q extends Message, R extends Message> void bindInline(
      Dispatcher dispatcher,
      String method,
      Class<Q> type,
      MetaOp<Q, R> inlineOp,
      MetaOp<Q, R> op,
      Predicate<Q> small) {
    dispatcher.registerInline(
        "Meta." + method,
        request -> {
          Q q = request.message(type);
          return small.test(q) ? RpcResponse.of(inlineOp.run(q)) : null;
        },
        request -> RpcResponse.of(op.run(request.message(type))));
  }
}
