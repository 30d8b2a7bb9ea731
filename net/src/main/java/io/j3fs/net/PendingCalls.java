package io.j3fs.net;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.RpcError;
import io.j3fs.proto.WireMethod;
import io.netty.buffer.ByteBuf;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The calls in flight on one connection, by request id: deadlines, the in-flight bound, matching of
 * responses and failing everything when the connection goes. Shared by every transport.
 * Thread-safe.
 */
public final class PendingCalls {
  private final Map<Long, Call> calls = new ConcurrentHashMap<>();
  private final AtomicLong nextRequestId = new AtomicLong(1);
  private final Semaphore inFlight;
  private final int maxInFlight;
  private final ScheduledExecutorService timer;
  private final String peer;
  private volatile StatusException closedWith;

  /** One call waiting for its answer. */
  public final class Call {
    private final long requestId;
    private final WireMethod method;
    private final CompletableFuture<RpcReply> future = new CompletableFuture<>();
    private ScheduledFuture<?> deadline;

    private Call(long requestId, WireMethod method) {
      this.requestId = requestId;
      this.method = method;
    }

    public long requestId() {
      return requestId;
    }

    public CompletableFuture<RpcReply> future() {
      return future;
    }

    /** Fails this call (for example, its request could not be written). */
    public void fail(StatusException e) {
      if (remove(this)) {
        future.completeExceptionally(e);
      }
    }
  }

  public PendingCalls(int maxInFlight, ScheduledExecutorService timer, String peer) {
    this.maxInFlight = maxInFlight;
    this.inFlight = new Semaphore(maxInFlight);
    this.timer = timer;
    this.peer = peer;
  }

  /**
   * Registers a call, or fails at once: BUSY when {@code maxInFlight} calls are already waiting,
   * the closing status when the connection is gone.
   */
  public Call register(WireMethod method, long timeoutMs) {
    StatusException closed = closedWith;
    if (closed != null) {
      throw closed;
    }
    if (!inFlight.tryAcquire()) {
      throw new StatusException(
          StatusCode.BUSY,
          "connection to " + peer + " already has " + maxInFlight + " calls in flight");
    }
    Call call = new Call(nextRequestId.getAndIncrement(), method);
    calls.put(call.requestId, call);
    call.deadline =
        timer.schedule(
            () ->
                call.fail(
                    new StatusException(
                        StatusCode.TIMEOUT,
                        method.fullName()
                            + " to "
                            + peer
                            + " got no answer within "
                            + timeoutMs
                            + " ms")),
            timeoutMs,
            TimeUnit.MILLISECONDS);
    // The caller may cancel: forget the call so its slot is free again.
    call.future.whenComplete(
        (reply, failure) -> {
          if (call.future.isCancelled()) {
            remove(call);
          }
        });
    if (closedWith != null) {
      // Closed while registering: make sure this call does not wait for its deadline.
      call.fail(closedWith);
    }
    return call;
  }

  /** Completes the call a response frame answers. Takes ownership of the frame. */
  public void complete(Frame frame) {
    Call call = calls.get(frame.header().requestId());
    if (call == null || !remove(call)) {
      frame.close(); // late (after its deadline), cancelled, or a duplicate
      return;
    }
    try {
      if (frame.header().isError()) {
        RpcError error = RpcError.parseFrom(frame.message().nioBuffer());
        call.future.completeExceptionally(
            new StatusException(StatusCode.fromNumber(error.getCode()), error.getMessage()));
        frame.close();
        return;
      }
      Message message =
          call.method.responsePrototype().getParserForType().parseFrom(frame.message().nioBuffer());
      ByteBuf payload = frame.takePayload();
      frame.close();
      if (!call.future.complete(new RpcReply(message, payload))) {
        payload.release();
      }
    } catch (InvalidProtocolBufferException e) {
      frame.close();
      call.future.completeExceptionally(
          new StatusException(
              StatusCode.INTERNAL,
              "cannot parse " + call.method.fullName() + " response from " + peer));
    }
  }

  /**
   * Fails every call now and every later registration; called when the connection is lost or
   * closed.
   */
  public void closeAll(StatusException cause) {
    closedWith = cause;
    for (Call call : calls.values()) {
      call.fail(cause);
    }
  }

  private boolean remove(Call call) {
    if (calls.remove(call.requestId, call)) {
      if (call.deadline != null) {
        call.deadline.cancel(false);
      }
      inFlight.release();
      return true;
    }
    return false;
  }
}
