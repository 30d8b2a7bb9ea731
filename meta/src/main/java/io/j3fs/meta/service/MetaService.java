package io.j3fs.meta.service;

import com.google.protobuf.Message;
import io.j3fs.meta.ops.MetaOp;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.RpcResponse;
import java.util.concurrent.CompletableFuture;
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

  /**
   * Binds a mutation that is also tried inline, on the event loop that read the request, when
   * {@code small} says it needs nothing but the embedded store (no storage call, no long walk):
   * {@code inlineOp} commits through {@code writes} in one attempt without waiting for the WAL
   * sync, and the answer is sent once its commit is durable, so it is as durable as the ordinary
   * handler's. A retriable failure before any commit hands the request to the ordinary handler; a
   * failure after a commit is answered, after that commit's sync, since the request must not be
   * applied again.
   */
  static <Q extends Message, R extends Message> void bindInlineMutation(
      Dispatcher dispatcher,
      String method,
      Class<Q> type,
      OneAttemptWrites writes,
      MetaOp<Q, R> inlineOp,
      MetaOp<Q, R> op,
      Predicate<Q> small) {
    dispatcher.registerInlineDeferred(
        "Meta." + method,
        request -> {
          Q q = request.message(type);
          if (!small.test(q)) {
            return null;
          }
          writes.startOperation();
          R answer;
          try {
            answer = inlineOp.run(q);
          } catch (RuntimeException e) {
            CompletableFuture<Void> committed = writes.takeDurable();
            if (committed == null) {
              throw e; // nothing applied: the dispatcher answers it or hands the request on
            }
            return committed
                .handle((v, f) -> null)
                .thenCompose(v -> CompletableFuture.failedFuture(e));
          }
          CompletableFuture<Void> durable = writes.takeDurable();
          RpcResponse response = RpcResponse.of(answer);
          return durable == null
              ? CompletableFuture.completedFuture(response)
              : durable.thenApply(v -> response);
        },
        request -> RpcResponse.of(op.run(request.message(type))));
  }
}
