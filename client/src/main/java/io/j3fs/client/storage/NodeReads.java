package io.j3fs.client.storage;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.proto.WireMethod;
import io.j3fs.proto.storage.BatchReadReq;
import io.j3fs.proto.storage.BatchReadRsp;
import io.j3fs.proto.storage.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Small batch reads bound for one storage node, coalesced: while {@link #MAX_IN_FLIGHT} calls to
 * the node are out, the small reads that arrive wait and go together in the next call, and each
 * caller gets an answer holding only its own results and the slice of the payload that carries
 * them. Why: a mount under many concurrent 4 KiB reads (a dataloader's random samples) sent one
 * BatchRead per kernel request, and the fixed cost of a call (two event loops, a dispatch, a reply)
 * was most of the CPU on both ends; now many reads share each call. A lone read is sent at once, so
 * nothing waits when the node is not busy.
 *
 * <p>Only calls of at most {@link #SMALL_BYTES} bytes and without allow_uncommitted are coalesced
 * (large reads stream better as calls of their own); a combined call holds at most {@link #MAX_IOS}
 * reads and {@link #MAX_BYTES} bytes, and at most {@link #MAX_QUEUED} reads wait (beyond that a
 * call goes alone).
 *
 * <p>A combined call fails or succeeds for all its callers as a call would for one: each sees the
 * same status, and its own per-read results, so the batch-read retry logic above is unchanged.
 *
 * <p>Thread-safe. The next combined call is sent from the completion of the last, on the thread
 * that completes it (an event loop), never blocking.
 */
final class NodeReads {
  static final int MAX_IN_FLIGHT = 2;
  static final long SMALL_BYTES = 64 << 10;
  static final int MAX_IOS = 512;
  static final long MAX_BYTES = 4 << 20;
  static final int MAX_QUEUED = 4_096;

  private record Waiting(BatchReadReq request, long bytes, CompletableFuture<RpcReply> answer) {}

  private final RpcClient rpc;
  private final Endpoint node;
  private final WireMethod method;
  private final long timeoutMs;
  private final ArrayDeque<Waiting> queue = new ArrayDeque<>(); // guarded by this
  private int queuedIos; // guarded by this
  private int inFlight; // guarded by this

  NodeReads(RpcClient rpc, Endpoint node, WireMethod method, long timeoutMs) {
    this.rpc = rpc;
    this.node = node;
    this.method = method;
    this.timeoutMs = timeoutMs;
  }

  /** Whether a call of this size and kind is coalesced here (else the caller sends it itself). */
  static boolean coalesces(BatchReadReq request, long bytes) {
    return bytes <= SMALL_BYTES && !request.getAllowUncommitted();
  }

  /** The answer to {@code request}, as if it had been sent alone. */
  CompletableFuture<RpcReply> call(BatchReadReq request, long bytes) {
    Waiting me = new Waiting(request, bytes, new CompletableFuture<>());
    synchronized (this) {
      if (inFlight >= MAX_IN_FLIGHT && queuedIos + request.getIosCount() <= MAX_QUEUED) {
        queue.add(me);
        queuedIos += request.getIosCount();
        return me.answer();
      }
      inFlight++;
    }
    send(List.of(me));
    return me.answer();
  }

  private void send(List<Waiting> group) {
    BatchReadReq request;
    if (group.size() == 1) {
      request = group.getFirst().request();
    } else {
      BatchReadReq.Builder combined = BatchReadReq.newBuilder();
      for (Waiting w : group) {
        combined.addAllIos(w.request().getIosList());
      }
      request = combined.build();
    }
    CompletableFuture<RpcReply> reply;
    try {
      reply = rpc.call(node, method, request, Unpooled.EMPTY_BUFFER, timeoutMs);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((answer, failure) -> finished(group, answer, failure));
  }

  private void finished(List<Waiting> group, RpcReply answer, Throwable failure) {
    try {
      if (failure != null) {
        group.forEach(w -> w.answer().completeExceptionally(failure));
      } else if (group.size() == 1) {
        if (!group.getFirst().answer().complete(answer)) {
          answer.close(); // its caller stopped waiting
        }
      } else {
        split(group, answer);
      }
    } catch (RuntimeException e) { // never out of here: the queue behind must move on
      group.forEach(w -> w.answer().completeExceptionally(e));
    }
    List<Waiting> next = new ArrayList<>();
    synchronized (this) {
      long bytes = 0;
      int ios = 0;
      while (!queue.isEmpty()) {
        Waiting w = queue.peek();
        if (!next.isEmpty()
            && (ios + w.request().getIosCount() > MAX_IOS || bytes + w.bytes() > MAX_BYTES)) {
          break;
        }
        queue.poll();
        queuedIos -= w.request().getIosCount();
        ios += w.request().getIosCount();
        bytes += w.bytes();
        next.add(w);
      }
      if (next.isEmpty()) {
        inFlight--;
        return;
      }
    }
    send(next);
  }

  /** Hands each caller its results and the payload bytes that carry them. */
  private void split(List<Waiting> group, RpcReply answer) {
    try (answer) {
      BatchReadRsp rsp = answer.message(BatchReadRsp.class);
      int total = group.stream().mapToInt(w -> w.request().getIosCount()).sum();
      if (rsp.getResultsCount() != total) {
        throw new StatusException(
            StatusCode.INTERNAL,
            node + " answered " + rsp.getResultsCount() + " reads of " + total);
      }
      ByteBuf payload = answer.payload();
      int result = 0;
      long at = 0;
      for (Waiting w : group) {
        BatchReadRsp.Builder mine = BatchReadRsp.newBuilder();
        long start = at;
        for (int i = 0; i < w.request().getIosCount(); i++, result++) {
          ReadResult r = rsp.getResults(result);
          mine.addResults(r);
          if (r.getStatus() == 0) {
            at += (long) r.getLeadingBytes() + r.getLength() + r.getTrailingBytes();
          }
        }
        if (at > payload.readableBytes()) {
          throw new StatusException(
              StatusCode.INTERNAL, node + " sent fewer payload bytes than its reads name");
        }
        ByteBuf slice =
            payload.retainedSlice(payload.readerIndex() + (int) start, (int) (at - start));
        RpcReply own = new RpcReply(mine.build(), slice);
        if (!w.answer().complete(own)) {
          own.close();
        }
      }
    }
  }
}
