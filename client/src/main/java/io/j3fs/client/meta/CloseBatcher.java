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
import java.util.concurrent.locks.LockSupport;
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
 * <p>A batch of such closes only goes when it is full, when a caller waits for a close in it, or
 * when its oldest close has waited {@code lingerNanos}. Batching behind the call in flight alone
 * put about three closes in a call under a mount creating files on four threads; nobody waits for
 * these closes, and a session that ends a few milliseconds later holds nothing up (the GC only
 * waits that much longer for a file removed meanwhile). A caller that waits never lingers itself:
 * once its own close is answered it hands the queue to a virtual thread.
 *
 * <p>Thread-safe. The queue holds at most {@code maxQueued} closes; a caller beyond that waits
 * ({@link #closeLater} declines instead).
 */
public final class CloseBatcher {
  private static final Logger log = LoggerFactory.getLogger(CloseBatcher.class);

  /** Calls one sender makes before handing the rest to a new thread. */
  static final int MAX_ROUNDS = 8;

  /** The longest a batch of closes for later may wait for company: 10 s, for tests. */
  static final long MAX_LINGER_NANOS = 10_000_000_000L;

  /** How long a batch of closes for later waits for company by default: 5 ms. */
  public static final long LATER_LINGER_NANOS = 5_000_000L;

  /** A close in the queue; {@code waiting}: its caller waits for the answer. */
  private record Pending(
      CloseReq request, CompletableFuture<CloseRsp> done, long queuedNanos, boolean waiting) {}

  private final Function<BatchCloseReq, BatchCloseRsp> batchCall;
  private final Function<CloseReq, CloseRsp> singleCall;
  private final int maxBatch;
  private final int maxQueued;
  private final long lingerNanos;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // guarded by this
  private boolean sending; // guarded by this: a sender is draining the queue
  private int laterInFlight; // guarded by this: closeLater's closes not answered yet
  private int waitersQueued; // guarded by this: queued closes whose callers wait
  private int hurrying; // guarded by this: awaitIdle calls under way (no batch lingers then)
  private Thread lingering; // guarded by this: the sender waiting for company, if one is

  public CloseBatcher(
      Function<BatchCloseReq, BatchCloseRsp> batchCall,
      Function<CloseReq, CloseRsp> singleCall,
      int maxBatch,
      int maxQueued,
      long lingerNanos) {
    if (lingerNanos < 0 || lingerNanos > MAX_LINGER_NANOS) {
      throw new IllegalArgumentException(
          "linger must be 0-" + MAX_LINGER_NANOS + " ns, got " + lingerNanos);
    }
    this.batchCall = batchCall;
    this.singleCall = singleCall;
    this.maxBatch = maxBatch;
    this.maxQueued = maxQueued;
    this.lingerNanos = lingerNanos;
  }

  /**
   * Batches of at most 64 closes (of the service's 256), at most 4,096 queued, closes for later
   * waiting up to {@link #LATER_LINGER_NANOS} for company.
   */
  public static CloseBatcher of(MetaClient meta) {
    return new CloseBatcher(
        req -> meta.call("BatchClose", req, BatchCloseRsp.class),
        req -> meta.call("Close", req, CloseRsp.class),
        64,
        4_096,
        LATER_LINGER_NANOS);
  }

  /**
   * Queues a close and returns at once: false (nothing queued) when the queue is full, and then the
   * caller ends the session the waiting way.
   */
  public boolean closeLater(CloseReq request) {
    return closeLater(request, null);
  }

  /**
   * {@link #closeLater(CloseReq)}, and {@code onDone} (if not null) runs once the close is answered
   * or has failed, on the thread that finished it.
   */
  public boolean closeLater(CloseReq request, Runnable onDone) {
    Pending pending = new Pending(request, new CompletableFuture<>(), System.nanoTime(), false);
    boolean start;
    Thread wake = null;
    synchronized (this) {
      if (queue.size() >= maxQueued) {
        return false;
      }
      queue.add(pending);
      laterInFlight++;
      start = !sending;
      sending = true;
      if (queue.size() >= maxBatch) {
        wake = stopLingering(); // a full batch waits for nobody
      }
    }
    LockSupport.unpark(wake);
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
              if (onDone != null) {
                onDone.run();
              }
              synchronized (this) {
                laterInFlight--;
                notifyAll();
              }
            });
    if (start) {
      startSender(); // takes over `sending`
    }
    return true;
  }

  /** Waits up to {@code timeoutMs} until every close queued by {@link #closeLater} is answered. */
  public synchronized boolean awaitIdle(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    hurrying++;
    LockSupport.unpark(stopLingering());
    try {
      while (laterInFlight > 0) {
        long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
        if (leftMs <= 0) {
          return false;
        }
        wait(leftMs);
      }
      return true;
    } finally {
      hurrying--;
    }
  }

  /** Whether a sender holds the queue (waiting for company or sending), for tests. */
  synchronized boolean sending() {
    return sending;
  }

  /** Ends one session; returns what {@code Meta.Close} would have. */
  public CloseRsp close(CloseReq request) {
    Pending pending = new Pending(request, new CompletableFuture<>(), System.nanoTime(), true);
    boolean send;
    Thread wake;
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
      waitersQueued++;
      send = !sending;
      sending = true;
      wake = stopLingering(); // this caller waits: the batch goes now
    }
    LockSupport.unpark(wake);
    if (send) {
      drain(false);
    }
    return Waits.get(pending.done(), "waiting for a close");
  }

  private void startSender() {
    Thread.ofVirtual().name("close-batcher").start(() -> drain(true));
  }

  /**
   * Sends batches while closes are queued (this thread holds {@code sending}); {@code dedicated}:
   * this is a sender thread of its own, which may wait for company, not a caller of {@link #close}.
   */
  private void drain(boolean dedicated) {
    Thread self = Thread.currentThread();
    for (int round = 0; ; round++) {
      long waitNanos;
      synchronized (this) {
        if (queue.isEmpty()) {
          sending = false;
          return;
        }
        waitNanos = companyWaitNanos();
        if (round == MAX_ROUNDS || (waitNanos > 0 && !dedicated)) {
          startSender(); // takes over `sending`
          return;
        }
        if (waitNanos > 0) {
          lingering = self;
        }
      }
      if (waitNanos > 0) {
        linger(self, waitNanos);
      }
      List<Pending> batch = new ArrayList<>();
      synchronized (this) {
        while (!queue.isEmpty() && batch.size() < maxBatch) {
          Pending p = queue.poll();
          if (p.waiting()) {
            waitersQueued--;
          }
          batch.add(p);
        }
        notifyAll(); // room in the queue
      }
      send(batch);
    }
  }

  /**
   * How much longer the next batch may wait for company (0: it goes now): until its oldest close
   * has waited {@code lingerNanos}, unless it is full, someone waits for a close in it, or {@link
   * #awaitIdle} runs. Under this object's lock, with the queue not empty.
   */
  private long companyWaitNanos() {
    if (lingerNanos == 0 || queue.size() >= maxBatch || waitersQueued > 0 || hurrying > 0) {
      return 0;
    }
    return Math.max(0, queue.peekFirst().queuedNanos() + lingerNanos - System.nanoTime());
  }

  /** Parks up to {@code waitNanos}, or until someone ends the wait ({@link #stopLingering}). */
  private void linger(Thread self, long waitNanos) {
    long deadline = System.nanoTime() + waitNanos;
    try {
      for (long left = waitNanos; left > 0; left = deadline - System.nanoTime()) {
        synchronized (this) {
          if (lingering != self) {
            return; // woken: someone waits, the batch is full, or awaitIdle runs
          }
        }
        LockSupport.parkNanos(this, left);
      }
    } finally {
      synchronized (this) {
        if (lingering == self) {
          lingering = null;
        }
      }
    }
  }

  /** Ends a sender's wait for company; under this object's lock. Returns it to unpark (or null). */
  private Thread stopLingering() {
    Thread t = lingering;
    lingering = null;
    return t;
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
