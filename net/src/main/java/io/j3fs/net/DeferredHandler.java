package io.j3fs.net;

import java.util.concurrent.CompletableFuture;

/**
 * An inline handler whose answer may have to wait without blocking the thread that runs it: a
 * mutation of an embedded store, committed on the event loop and answered once the commit is
 * durable. Returns null to decline (the request then goes to the ordinary handler), throws a
 * retriable {@link io.j3fs.common.status.StatusException} to decline as well (nothing may have been
 * applied then), or returns the future answer; a future failed with a StatusException is answered
 * with that status. The future completes on any thread.
 */
@FunctionalInterface
public interface DeferredHandler {
  CompletableFuture<RpcResponse> handle(RpcRequest request);
}
