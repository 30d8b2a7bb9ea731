package io.j3fs.net;

import com.google.protobuf.Message;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.WireMethod;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Calls methods on servers. Thread-safe. Many calls share one connection, matched by request id.
 *
 * <p>The returned future completes with the reply, or exceptionally with a {@link
 * io.j3fs.common.status.StatusException}: the server's status, {@code TIMEOUT} when the deadline
 * passes, {@code UNAVAILABLE} when the connection is lost or cannot be made (retriable), {@code
 * BUSY} when the connection already has its maximum of calls in flight (back-pressure: retry later
 * or elsewhere). Cancelling the future forgets the call on this side; the server may still execute
 * it.
 */
public interface RpcClient extends AutoCloseable {
  /**
   * @param payload raw bytes sent beside the message; ownership passes to the client, which
   *     releases it once written (or on failure)
   * @param timeoutMs deadline for the whole call, from now
   */
  CompletableFuture<RpcReply> call(
      Endpoint peer, WireMethod method, Message request, ByteBuf payload, long timeoutMs);

  default CompletableFuture<RpcReply> call(
      Endpoint peer, String method, Message request, long timeoutMs) {
    return call(peer, WireCatalog.get().method(method), request, Unpooled.EMPTY_BUFFER, timeoutMs);
  }

  /**
   * Calls a method that answers without a payload and waits for its message, on the caller's thread
   * (meant for virtual threads and control paths, not the data path). Failures are thrown as {@link
   * StatusException}: the server's status, or the transport's; an interrupted wait is CANCELLED.
   */
  default <T extends Message> T invoke(
      Endpoint peer, String method, Message request, Class<T> type, long timeoutMs) {
    CompletableFuture<RpcReply> future = call(peer, method, request, timeoutMs);
    try (RpcReply reply = future.get()) {
      return reply.message(type);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusException status) {
        throw status;
      }
      throw new StatusException(
          StatusCode.INTERNAL, method + " to " + peer + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, method + " to " + peer + " was interrupted");
    }
  }

  @Override
  void close();
}
