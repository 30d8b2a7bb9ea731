package io.j3fs.net;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.RpcError;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.WireMethod;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of RPC, shared by every transport: finds the handler of a request frame, parses
 * its message, runs the handler on a virtual thread and turns the outcome into a response (message
 * and payload, or an {@link RpcError}). Services are thin adapters registered here, one handler per
 * method. The Debug service is always registered.
 *
 * <p>A method may also have an inline handler, tried first on the thread that read the request (the
 * transport's event loop): for short work that never waits, where the hand-off to a virtual thread
 * and back costs more than the work (point reads of an embedded store). It declines by returning
 * null or throwing a retriable failure, and the request then goes to the ordinary handler on a
 * virtual thread as usual, with its full retries.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /**
   * How one method is served: its handler, the inline handler tried first on the transport's thread
   * (or null), and the executor the handler runs on (null: a virtual thread).
   */
  private record Binding(
      RpcHandler handler, RpcHandler inline, DeferredHandler deferred, Executor executor) {}

  private final Map<Integer, Binding> bindings = new ConcurrentHashMap<>();
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  public Dispatcher() {
    DebugService.register(this);
  }

  /** Registers the handler of method {@code "Service.Method"}; a method has at most one handler. */
  public Dispatcher register(String method, RpcHandler handler) {
    return bind(method, new Binding(handler, null, null, null));
  }

  /**
   * Registers {@code handler} for {@code method} to run on {@code on} (a bounded pool of platform
   * threads, for handlers that wait in the kernel, where a virtual thread would pin its carrier);
   * when that pool refuses a request (full), it runs on a virtual thread as usual. A null {@code
   * on} means virtual threads.
   */
  public Dispatcher register(String method, RpcHandler handler, Executor on) {
    return bind(method, new Binding(handler, null, null, on));
  }

  /**
   * Registers {@code handler} for {@code method} with an inline handler tried first on the
   * transport's thread; {@code inline} must never block (see the class comment).
   */
  public Dispatcher registerInline(String method, RpcHandler inline, RpcHandler handler) {
    return bind(method, new Binding(handler, inline, null, null));
  }

  /**
   * Registers {@code handler} for {@code method} with an inline handler tried first on the
   * transport's thread whose answer may come later ({@link DeferredHandler}); {@code inline} must
   * never block.
   */
  public Dispatcher registerInlineDeferred(
      String method, DeferredHandler inline, RpcHandler handler) {
    return bind(method, new Binding(handler, null, inline, null));
  }

  private Dispatcher bind(String method, Binding binding) {
    WireMethod wire = WireCatalog.get().method(method);
    if (bindings.putIfAbsent(wire.key(), binding) != null) {
      throw new IllegalStateException("a handler for " + method + " is already registered");
    }
    return this;
  }

  /** The outcome of one request, to be encoded and sent by the transport. */
  public record Outcome(int flags, Message message, Object payload, long payloadLength) {}

  /**
   * Handles one request frame. Takes ownership of the frame. {@code reply} is called exactly once,
   * from the handler's thread (or this one for requests that fail before reaching a handler); it
   * takes ownership of the outcome's payload.
   */
  public void dispatch(Frame frame, String peer, Consumer<Outcome> reply) {
    FrameHeader header = frame.header();
    WireMethod method = WireCatalog.get().method(header.serviceId(), header.methodId());
    Binding binding = method == null ? null : bindings.get(method.key());
    if (binding == null) {
      frame.close();
      reply.accept(
          error(
              StatusCode.UNKNOWN_METHOD,
              "no method " + header.serviceId() + "." + header.methodId() + " on this server"));
      return;
    }
    Message message;
    try {
      message = method.requestPrototype().getParserForType().parseFrom(frame.message().nioBuffer());
    } catch (InvalidProtocolBufferException e) {
      frame.close();
      reply.accept(
          error(
              StatusCode.INVALID_ARGUMENT,
              "cannot parse " + method.fullName() + " request: " + e.getMessage()));
      return;
    }
    ByteBuf payload = frame.takePayload();
    frame.close();
    RpcRequest request = new RpcRequest(method, message, payload, peer);
    if (binding.inline() != null && runInline(binding.inline(), request, reply)) {
      return;
    }
    if (binding.deferred() != null && runDeferred(binding.deferred(), request, reply)) {
      return;
    }
    Runnable task = () -> run(binding.handler(), request, reply);
    if (binding.executor() != null) {
      try {
        binding.executor().execute(task);
        return;
      } catch (RejectedExecutionException full) {
        // its pool is busy or closed: a virtual thread, as for any other method
      }
    }
    try {
      executor.execute(task);
    } catch (RuntimeException rejected) {
      payload.release();
      reply.accept(error(StatusCode.UNAVAILABLE, "server is shutting down"));
    }
  }

  /** Runs an inline handler; false if it declined (the request is then still to be handled). */
  private static boolean runInline(RpcHandler inline, RpcRequest request, Consumer<Outcome> reply) {
    long start = System.nanoTime();
    RpcResponse response = null;
    Throwable failure = null;
    try {
      response = inline.handle(request);
      if (response == null) {
        return false;
      }
    } catch (StatusException e) {
      if (e.retriable()) {
        return false;
      }
      failure = e;
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    request.payload().release();
    reply.accept(finish(request, start, response, failure));
    return true;
  }

  /**
   * Runs a deferred inline handler; false if it declined. Its answer is sent when its future
   * completes, from the thread that completes it, and timed until then.
   */
  private static boolean runDeferred(
      DeferredHandler inline, RpcRequest request, Consumer<Outcome> reply) {
    long start = System.nanoTime();
    CompletableFuture<RpcResponse> answer;
    try {
      answer = inline.handle(request);
      if (answer == null) {
        return false;
      }
    } catch (StatusException e) {
      if (e.retriable()) {
        return false;
      }
      answer = CompletableFuture.failedFuture(e);
    } catch (RuntimeException | Error e) {
      answer = CompletableFuture.failedFuture(e);
    }
    request.payload().release();
    answer.whenComplete(
        (response, failure) -> {
          Throwable cause =
              failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                  ? c.getCause()
                  : failure;
          reply.accept(finish(request, start, response, cause));
        });
    return true;
  }

  private static void run(RpcHandler handler, RpcRequest request, Consumer<Outcome> reply) {
    long start = System.nanoTime();
    RpcResponse response = null;
    Throwable failure = null;
    try {
      response = handler.handle(request);
    } catch (RuntimeException | Error e) {
      failure = e;
    } finally {
      request.payload().release();
    }
    reply.accept(finish(request, start, response, failure));
  }

  /**
   * The outcome of a handled request (its response, or its failure: a status as it is, anything
   * else INTERNAL without its text, and logged), timed from {@code startNanos}.
   */
  private static Outcome finish(
      RpcRequest request, long startNanos, RpcResponse response, Throwable failure) {
    StatusCode status = StatusCode.OK;
    Outcome outcome;
    if (failure == null) {
      outcome = new Outcome(0, response.message(), response.payload(), response.payloadLength());
    } else if (failure instanceof StatusException e) {
      status = e.code();
      outcome = error(e.code(), e.getMessage());
    } else {
      log.error("handler of {} failed", request.method().fullName(), failure);
      status = StatusCode.INTERNAL;
      outcome = error(StatusCode.INTERNAL, request.method().fullName() + " failed on the server");
    }
    timer(request.method().fullName(), status)
        .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    return outcome;
  }

  /**
   * Handled calls per method and status, with their latency (metric {@code j3fs.rpc.server}): one
   * timer slot per status for each method, so the hot path does a map lookup and an array read.
   */
  private static final Map<String, Timer[]> TIMERS = new ConcurrentHashMap<>();

  private static Timer timer(String method, StatusCode status) {
    Timer[] byStatus = TIMERS.computeIfAbsent(method, m -> new Timer[StatusCode.values().length]);
    Timer timer = byStatus[status.ordinal()];
    if (timer == null) {
      // Racing threads may both build it; the registry returns the same timer to both.
      timer =
          Timer.builder("j3fs.rpc.server")
              .description("RPC calls handled, by method and status")
              .tag("method", method)
              .tag("status", status.name())
              .publishPercentileHistogram()
              .register(Metrics.globalRegistry);
      byStatus[status.ordinal()] = timer;
    }
    return timer;
  }

  public static Outcome error(StatusCode code, String message) {
    RpcError error =
        RpcError.newBuilder()
            .setCode(code.number())
            .setMessage(message == null ? "" : message)
            .build();
    return new Outcome(FrameHeader.FLAG_ERROR, error, Unpooled.EMPTY_BUFFER, 0);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
