package io.j3fs.client.meta;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.status.Waits;
import io.j3fs.proto.meta.BatchCloseReq;
import io.j3fs.proto.meta.BatchCloseRsp;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CloseRsp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends write sessions in batches: the closes that arrive while one call is in flight go out
 * together in the next {@code Meta.BatchClose}, one transaction and one commit for all of them. A
 * close waits for its own answer, so it is exactly as durable as a single close; only the commits
 * are shared. Why: a mount that creates small files at a high rate ends a session per file, and
 * each ending was a commit of its own (half of the metadata commits of a create).
 *
 * <p>Who sends: the caller that finds no call in flight sends what is queued, then again while more
 * arrived, up to {@link #MAX_ROUNDS} calls; if closes are still queued then, it starts a virtual
 * thread to go on, so no caller waits behind others' closes for long. If a batch fails (all or
 * nothing on the service), its closes are sent again one by one, each getting its own answer.
 *
 * <p>{@link #closeLater} queues a close without waiting for it, for a caller that must not block (a
 * FUSE reader answering a release, whose outcome nobody sees): a virtual thread sends it, and its
 * failure is logged. {@link #awaitIdle} waits for such closes at shutdown.
 *
 * <p>Thread-safe. The queue holds at most {@code maxQueued} closes; a caller beyond that waits
 * ({@link #closeLater} declines instead).
 */
public final class CloseBatcher {
  private static final Logger log = LoggerFactory.getLogger(CloseBatcher.class);

  /** Calls one sender makes before handing the rest to a new thread. */
  static final int MAX_ROUNDS = 8;

  private record Pending(CloseReq request, CompletableFuture<CloseRsp> done) {}

  private final Function<BatchCloseReq, BatchCloseRsp> batchCall;
  private final Function<CloseReq, CloseRsp> singleCall;
  private final int maxBatch;
  private final int maxQueued;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // guarded by this
  private boolean sending; // guarded by this: a sender is draining the queue
  private int laterInFlight; // guarded by this: closeLater's closes not answered yet

  public CloseBatcher(
      Function<BatchCloseReq, BatchCloseRsp> batchCall,
      Function<CloseReq, CloseRsp> singleCall,
      int maxBatch,
      int maxQueued) {
    this.batchCall = batchCall;
    this.singleCall = singleCall;
    this.maxBatch = maxBatch;
    this.maxQueued = maxQueued;
  }

  /** Batches of at most 64 closes (of the service's 256), at most 4,096 queued. */
  public static CloseBatcher of(MetaClient meta) {
    return new CloseBatcher(
        req -> meta.call("BatchClose", req, BatchCloseRsp.class),
        req -> meta.call("Close", req, CloseRsp.class),
        64,
        4_096);
  }

  /**
   * Queues a close and returns at once: false (nothing queued) when the queue is full, and then the
   * caller ends the session the waiting way.
   */
  public boolean closeLater(CloseReq request) {
    Pending pending = new Pending(request, new CompletableFuture<>());
    boolean send;
    synchronized (this) {
      if (queue.size() >= maxQueued) {
        return false;
      }
      queue.add(pending);
      laterInFlight++;
      send = !sending;
      sending = true;
    }
    pending
        .done()
        .whenComplete(
            (rsp, failure) -> {
              if (failure != null) {
                log.warn(
                    "ending write session {} of inode 0x{} failed: {}",
                    request.getSessionId(),
                    Long.toHexString(request.getInodeId()),
                    failure.toString());
              }
              synchronized (this) {
                laterInFlight--;
                notifyAll();
              }
            });
    if (send) {
      Thread.ofVirtual().name("close-batcher").start(this::drain); // takes over `sending`
    }
    return true;
  }

  /** Waits up to {@code timeoutMs} until every close queued by {@link #closeLater} is answered. */
  public synchronized boolean awaitIdle(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (laterInFlight > 0) {
      long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
      if (leftMs <= 0) {
        return false;
      }
      wait(leftMs);
    }
    return true;
  }

  /** Ends one session; returns what {@code Meta.Close} would have. */
  public CloseRsp close(CloseReq request) {
    Pending pending = new Pending(request, new CompletableFuture<>());
    boolean send;
    synchronized (this) {
      while (queue.size() >= maxQueued) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StatusException(StatusCode.CANCELLED, "interrupted waiting to close");
        }
      }
      queue.add(pending);
      send = !sending;
      sending = true;
    }
    if (send) {
      drain();
    }
    return Waits.get(pending.done(), "waiting for a close");
  }

  /** Sends batches while closes are queued (this thread holds {@code sending}). */
  private void drain() {
    for (int round = 0; ; round++) {
      List<Pending> batch = new ArrayList<>();
      synchronized (this) {
        if (queue.isEmpty()) {
          sending = false;
          return;
        }
        if (round == MAX_ROUNDS) {
          Thread.ofVirtual().name("close-batcher").start(this::drain); // takes over `sending`
          return;
        }
        while (!queue.isEmpty() && batch.size() < maxBatch) {
          batch.add(queue.poll());
        }
        notifyAll(); // room in the queue
      }
      send(batch);
    }
  }

  private void send(List<Pending> batch) {
    if (batch.size() > 1) {
      BatchCloseReq.Builder req = BatchCloseReq.newBuilder();
      batch.forEach(p -> req.addCloses(p.request()));
      BatchCloseRsp rsp = null;
      try {
        rsp = batchCall.apply(req.build());
      } catch (Throwable e) { // never out of here: the sender must go on, or the queue would stall
        // all or nothing: none was applied; each goes again alone and gets its own answer
      }
      if (rsp != null && rsp.getResultsCount() == batch.size()) {
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).done().complete(rsp.getResults(i));
        }
        return;
      }
    }
    for (Pending p : batch) {
      try {
        p.done().complete(singleCall.apply(p.request()));
      } catch (Throwable e) { // whatever it is, its caller must not wait forever
        p.done().completeExceptionally(e);
      }
    }
  }
}
