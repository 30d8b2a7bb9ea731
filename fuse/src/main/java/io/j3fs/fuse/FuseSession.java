package io.j3fs.fuse;

import io.j3fs.client.meta.DirectMetaLinks;
import io.j3fs.client.meta.MetaClient;
import io.j3fs.common.status.StatusException;
import io.j3fs.fuse.kernel.FuseChannel;
import io.j3fs.fuse.ops.Errno;
import io.j3fs.fuse.ops.FsContext;
import io.j3fs.fuse.ops.MetaRequestIds;
import io.j3fs.fuse.ops.Waiting;
import io.j3fs.fuse.protocol.Attrs;
import io.j3fs.fuse.protocol.Opcode;
import io.j3fs.fuse.protocol.Reply;
import io.j3fs.fuse.protocol.Request;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FUSE connection: INIT negotiation, then {@code threads} platform threads each reading
 * requests from its own cloned descriptor, handing each request to a virtual thread that runs the
 * operation and writes the reply (one writev) to the descriptor the request came from.
 *
 * <p>Buffers: each reader holds one read buffer (1 MiB of payload plus headers, as the kernel
 * requires). A small request is copied out so the buffer is read into again at once; a large write
 * keeps its buffer until the write is buffered, and the reader takes a spare from a bounded pool.
 * At most {@code max_in_flight} requests are handled at once; readers wait beyond that, which is
 * the daemon's back-pressure on the kernel.
 *
 * <p>Interrupts ({@link InFlightRequests}): a read-only operation (lookup, getattr, read, readdir,
 * ...) runs on a thread an INTERRUPT can interrupt, and then answers EINTR; mutations always
 * finish, since their outcome must be reported.
 */
public final class FuseSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FuseSession.class);

  /** Read buffer: the largest write's payload, its headers, and the kernel's minimum slack. */
  static final int BUFFER_BYTES = FuseConfig.MAX_IO_BYTES + 8192;

  /** Requests up to this size are copied out of the read buffer. */
  static final int SMALL_REQUEST_BYTES = 64 << 10;

  /** Large-request buffers beyond the readers' own, at most. */
  static final int SPARE_BUFFERS = 16;

  static final int PROTOCOL_MAJOR = 7;

  /** The newest protocol minor this daemon speaks (struct sizes as of 7.31). */
  static final int PROTOCOL_MINOR = 31;

  static final int FUSE_ASYNC_READ = 1;
  static final int FUSE_ATOMIC_O_TRUNC = 1 << 3;
  static final int FUSE_BIG_WRITES = 1 << 5;
  static final int FUSE_AUTO_INVAL_DATA = 1 << 12;
  static final int FUSE_DO_READDIRPLUS = 1 << 13;
  static final int FUSE_READDIRPLUS_AUTO = 1 << 14;
  static final int FUSE_ASYNC_DIO = 1 << 15;
  static final int FUSE_WRITEBACK_CACHE = 1 << 16;
  static final int FUSE_PARALLEL_DIROPS = 1 << 18;
  static final int FUSE_MAX_PAGES = 1 << 22;

  private final FsContext ctx;
  private final FuseChannel main;
  private final FuseConfig config;
  private final Operations ops;
  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final Semaphore inFlight;

  /** Turns to read from the kernel: {@code active_readers} of them (see {@link ReadTurn}). */
  private final Semaphore readTurns;

  /** Readers in read(2) with a turn. */
  private final AtomicInteger readingWithTurn = new AtomicInteger();

  private volatile long turnWaitMs = 20;

  /**
   * When the count of readers in read(2) with a turn last fell to 0 (System.nanoTime; before any
   * was there, the readers' start): the safety net lets a reader in without a turn only a whole
   * turn wait later.
   */
  private volatile long noHolderReadingSinceNanos = System.nanoTime();

  /**
   * Readers that may be in a mutation of their own at once (half of them): a mutation waits for its
   * commit, and the other readers must stay free for the requests behind it.
   */
  private final Semaphore directMutations;

  /** Read buffers not in use; with those in use, never more than {@link #bufferPermits}. */
  private final ArrayBlockingQueue<MemorySegment> spares;

  private final Semaphore bufferPermits;
  private final Arena arena = Arena.ofShared();
  private final InFlightRequests inflight = new InFlightRequests();
  private final List<FuseChannel> channels = new ArrayList<>();
  private final List<Thread> readers = new ArrayList<>();
  private final CountDownLatch stopped;
  private volatile int negotiatedFlags;
  private volatile int negotiatedMinor;

  public FuseSession(FsContext ctx, FuseChannel main, FuseConfig config) {
    this.ctx = ctx;
    this.main = main;
    this.config = config;
    this.ops = new Operations(ctx);
    this.inFlight = new Semaphore(config.maxInFlight());
    this.readTurns = new Semaphore(config.activeReaders());
    this.directMutations = new Semaphore(config.threads() / 2);
    this.spares = new ArrayBlockingQueue<>(config.threads() + SPARE_BUFFERS);
    this.bufferPermits = new Semaphore(config.threads() + SPARE_BUFFERS);
    this.stopped = new CountDownLatch(config.threads());
  }

  /** Reads and answers the kernel's INIT (the first request of every connection). */
  public void init() {
    MemorySegment buffer = arena.allocate(BUFFER_BYTES, 4096);
    while (true) {
      int n = main.read(buffer);
      if (n < 0) {
        throw new IllegalStateException("the kernel closed the connection before INIT");
      }
      Request r = Request.parse(buffer.asSlice(0, n));
      if (r.opcode() != Opcode.INIT) {
        reply(main, r.unique(), Errno.EIO, null);
        continue;
      }
      int major = r.u32("major");
      int minor = r.u32("minor");
      int maxReadahead = r.u32("max readahead");
      int flags = r.u32("flags");
      if (major < PROTOCOL_MAJOR) {
        reply(main, r.unique(), 71 /* EPROTO */, null);
        throw new IllegalStateException("the kernel speaks FUSE " + major + "." + minor);
      }
      Reply out = new Reply(64);
      if (major > PROTOCOL_MAJOR) {
        // The kernel asks again with our major.
        out.u32(PROTOCOL_MAJOR).u32(PROTOCOL_MINOR).zeros(56);
        reply(main, r.unique(), 0, out);
        continue;
      }
      int want =
          FUSE_ASYNC_READ
              | FUSE_ATOMIC_O_TRUNC
              | FUSE_BIG_WRITES
              | FUSE_AUTO_INVAL_DATA
              | FUSE_DO_READDIRPLUS
              | FUSE_READDIRPLUS_AUTO
              | FUSE_ASYNC_DIO
              | FUSE_PARALLEL_DIROPS
              | FUSE_MAX_PAGES
              | (config.writebackCache() ? FUSE_WRITEBACK_CACHE : 0);
      negotiatedFlags = want & flags;
      negotiatedMinor = Math.min(minor, PROTOCOL_MINOR);
      out.u32(PROTOCOL_MAJOR)
          .u32(negotiatedMinor)
          .u32(Math.min(Integer.toUnsignedLong(maxReadahead), config.readAheadBytes()))
          .u32(negotiatedFlags)
          .u16(config.maxBackground())
          .u16(Math.max(1, config.maxBackground() * 3 / 4))
          .u32(FuseConfig.MAX_IO_BYTES)
          .u32(1) // time granularity: nanoseconds
          .u16(FuseConfig.MAX_IO_BYTES / 4096) // max pages per request
          .u16(0)
          .u32(0)
          .u32(0)
          .u16(0)
          .zeros(22);
      reply(main, r.unique(), 0, out);
      log.info(
          "FUSE {}.{} (kernel {}.{}), flags {}",
          PROTOCOL_MAJOR,
          negotiatedMinor,
          major,
          minor,
          Integer.toHexString(negotiatedFlags));
      return;
    }
  }

  public int negotiatedFlags() {
    return negotiatedFlags;
  }

  /** Starts the readers: the main channel's and one per clone. */
  public void start() {
    for (int i = 0; i < config.threads(); i++) {
      FuseChannel channel = i == 0 ? main : main.cloneChannel();
      channels.add(channel);
      Thread t =
          Thread.ofPlatform().name("fuse-reader-" + i).daemon().unstarted(() -> readLoop(channel));
      readers.add(t);
    }
    noHolderReadingSinceNanos = System.nanoTime(); // no reader before this: none was absent
    readers.forEach(Thread::start);
  }

  /** Waits until every reader stopped (the file system was unmounted). */
  public boolean awaitStopped(long timeoutMs) throws InterruptedException {
    return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /**
   * A read buffer: a spare, or a new one while fewer than readers + {@link #SPARE_BUFFERS} exist;
   * beyond that the reader waits for a large write to give one back.
   */
  private MemorySegment newBuffer() {
    bufferPermits.acquireUninterruptibly();
    MemorySegment spare = spares.poll();
    return spare != null ? spare : arena.allocate(BUFFER_BYTES, 4096);
  }

  /**
   * One reader's turn to read from the kernel: readers beyond {@code active_readers} wait for one
   * instead of sleeping in read(2), so that a request goes to a reader just done with the previous
   * one (no wake-up) rather than to a sleeping reader (a wake-up and a context switch per request:
   * with 8 readers on 2 CPUs, half the daemon's CPU per cached lookup). A reader gives its turn up
   * before it waits for the metadata service on its direct links, so a slow commit never holds up
   * the requests behind it.
   *
   * <p>A safety net for any other wait (a reader's quick check of a file another thread holds while
   * it waits for storage, say): a reader that has waited for a turn while no holder has been in
   * read(2) for a whole {@link #turnWaitMs} (every holder busy or blocked that long) reads without
   * one, and goes on so while none is. Judging absence over the whole wait, not at the instant a
   * wait ends, keeps a holder that is merely between two requests (parsing one, loading a class)
   * from letting a second reader into read(2), where it would stay until the next request. While
   * the mount is idle the holders sit in read(2), and the others wait.
   *
   * <p>Confined to its reader thread (the direct links run their hook on the caller's thread).
   */
  private final class ReadTurn {
    private boolean held;
    private boolean without; // the last request was read without a turn

    /** Takes a turn, or gives up waiting for one as said above. */
    void take() {
      if (!held && without && readingWithTurn.get() == 0) {
        return; // still no holder in read(2): read on without waiting again
      }
      without = false;
      while (!held) {
        try {
          held = readTurns.tryAcquire(turnWaitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          return; // readers are not interrupted; read without a turn
        }
        if (!held && holdersAbsentForAWait()) {
          without = true;
          return;
        }
      }
    }

    int read(FuseChannel channel, MemorySegment buffer) {
      take();
      boolean reading = held;
      if (reading) {
        readingWithTurn.incrementAndGet();
      }
      try {
        return channel.read(buffer);
      } finally {
        if (reading && readingWithTurn.decrementAndGet() == 0) {
          noHolderReadingSinceNanos = System.nanoTime();
        }
      }
    }

    /** No holder in read(2) now, nor since the last one left it a whole turn wait ago. */
    private boolean holdersAbsentForAWait() {
      return readingWithTurn.get() == 0
          && System.nanoTime() - noHolderReadingSinceNanos >= turnWaitMs * 1_000_000;
    }

    void giveUp() {
      if (held) {
        held = false;
        readTurns.release();
      }
    }
  }

  /** Sets how long a reader waits for a turn before it may read without one (tests). */
  void turnWaitMs(long ms) {
    turnWaitMs = ms;
  }

  private void readLoop(FuseChannel channel) {
    MemorySegment buffer = newBuffer();
    DirectMetaLinks links = ctx.newDirectLinks();
    ReadTurn turn = new ReadTurn();
    Waiting.onThisThread(turn::giveUp);
    if (links != null) {
      links.beforeWaiting(turn::giveUp);
    }
    try {
      while (true) {
        int n = turn.read(channel, buffer);
        if (n < 0) {
          return;
        }
        MemorySegment bytes = buffer.asSlice(0, n);
        MemorySegment lent = null;
        if (n > SMALL_REQUEST_BYTES) {
          lent = buffer; // a large write: the handler gives the buffer back
          buffer = newBuffer();
        } else {
          bytes = MemorySegment.ofArray(bytes.toArray(ValueLayout.JAVA_BYTE));
        }
        Request r;
        try {
          r = Request.parse(bytes);
        } catch (Request.MalformedRequest e) {
          log.warn("malformed FUSE request: {}", e.getMessage());
          giveBack(lent);
          long unique = Request.uniqueOf(bytes);
          if (unique != 0) {
            reply(channel, unique, Errno.EINVAL, null);
          }
          continue;
        }
        if (handleInline(channel, r, links)) {
          giveBack(lent);
          continue;
        }
        inFlight.acquireUninterruptibly();
        inflight.add(r.unique(), Operations.readOnly(r.opcode()));
        handOn(channel, r, lent, null);
      }
    } catch (RuntimeException e) {
      log.error("FUSE reader stopped", e);
    } finally {
      turn.giveUp();
      if (links != null) {
        links.close();
      }
      giveBack(buffer);
      stopped.countDown();
    }
  }

  private void giveBack(MemorySegment buffer) {
    if (buffer != null) {
      spares.offer(buffer); // always fits: the pool holds as many as there may be
      bufferPermits.release();
    }
  }

  /**
   * What the reader thread answers itself: forgets and interrupts (quick, and order matters), a
   * directory's attributes this mount holds (DirAttrCache), and, over the reader's own direct
   * links, lookups, getattrs, read-only opens, and creates, mkdirs, unlinks and rmdirs; and the
   * flushes and releases of handles with nothing to send or report. False: hand the request to a
   * handler thread.
   */
  private boolean handleInline(FuseChannel channel, Request r, DirectMetaLinks links) {
    try {
      if ((r.opcode() == Opcode.READ || r.opcode() == Opcode.OPEN || r.opcode() == Opcode.GETATTR)
          && ctx.unlinkBehind().waitsFor(Attrs.inodeId(r.nodeId()))) {
        return false; // a handler thread applies what waits first (see Operations.dispatch)
      }
      switch (r.opcode()) {
        case Opcode.FORGET -> ops.namespace().forget(r);
        case Opcode.BATCH_FORGET -> ops.namespace().batchForget(r);
        case Opcode.INTERRUPT -> inflight.interrupt(r.u64("unique"));
        case Opcode.GETATTR -> {
          long started = System.nanoTime();
          Reply cached = ctx.cachedAttr(Attrs.inodeId(r.nodeId()));
          if (cached == null) {
            return links != null && answerDirect(channel, r, links);
          }
          answer(channel, r, new Outcome(cached, 0), started);
        }
        case Opcode.LOOKUP -> {
          return links != null && answerDirect(channel, r, links);
        }
        case Opcode.READ -> {
          return readAsync(channel, r);
        }
        case Opcode.OPEN -> {
          return links != null && ops.files().opensReadOnly(r) && answerDirect(channel, r, links);
        }
        case Opcode.CREATE -> {
          return links != null
              && ops.files().createsWithoutTruncating(r)
              && mutateDirect(channel, r, links);
        }
        case Opcode.MKDIR, Opcode.UNLINK, Opcode.RMDIR -> {
          return links != null && mutateDirect(channel, r, links);
        }
        case Opcode.FLUSH, Opcode.RELEASE -> {
          long started = System.nanoTime();
          Reply out =
              r.opcode() == Opcode.FLUSH
                  ? ops.files().flushIfQuiet(r)
                  : ops.files().releaseIfQuiet(r);
          if (out == null) {
            return false;
          }
          answer(channel, r, new Outcome(out, 0), started);
        }
        default -> {
          return false;
        }
      }
    } catch (Request.MalformedRequest e) {
      log.warn("malformed FUSE request: {}", e.getMessage());
      if (!Opcode.noReply(r.opcode())) {
        reply(channel, r.unique(), Errno.EINVAL, null);
      }
    }
    return true;
  }

  /**
   * Runs a lookup, getattr or read-only open on this reader thread with its metadata calls on
   * {@code links}: two thread wake-ups per call fewer than a handler thread and the event-loop
   * client. When the links decline (a server unreachable or slow, a retriable failure), nothing has
   * changed anywhere: the request is rewound and handed on as usual. The wait is bounded by the
   * links' timeout.
   */
  private boolean answerDirect(FuseChannel channel, Request r, DirectMetaLinks links) {
    return answerDirect(channel, r, links, null, () -> {});
  }

  /**
   * Runs a create, mkdir, unlink or rmdir on this reader thread with its one metadata mutation on
   * {@code links}, when fewer than half the readers are in one already (else false: a handler
   * thread runs it). When the links decline, the mutation may still have been applied (its answer
   * lost or late): the request goes on to a handler thread with the request ids of this attempt
   * ({@link MetaRequestIds}), so the service answers a repeat from its idempotency record. It is
   * registered as a mutation (never interrupted), whatever happened here.
   */
  private boolean mutateDirect(FuseChannel channel, Request r, DirectMetaLinks links) {
    if (!directMutations.tryAcquire()) {
      return false;
    }
    // The slot bounds readers waiting for a commit: it is given back as soon as the call is done,
    // before the reply is written (the kernel's next request may then find it free).
    AtomicBoolean held = new AtomicBoolean(true);
    Runnable giveBack =
        () -> {
          if (held.getAndSet(false)) {
            directMutations.release();
          }
        };
    try {
      return answerDirect(channel, r, links, new MetaRequestIds(), giveBack);
    } finally {
      giveBack.run();
    }
  }

  /**
   * The direct run of a read ({@code ids} null: a decline hands the request back to the caller, by
   * false) or of a mutation (a decline hands it on here, with its request ids).
   */
  private boolean answerDirect(
      FuseChannel channel, Request r, DirectMetaLinks links, MetaRequestIds ids, Runnable ran) {
    long started = System.nanoTime();
    Outcome outcome;
    try {
      ScopedValue.Carrier bound = ScopedValue.where(MetaClient.DIRECT, links);
      outcome = (ids == null ? bound : bound.where(FsContext.REQUEST_IDS, ids)).call(() -> run(r));
    } catch (DirectMetaLinks.Declined e) {
      ran.run();
      log.debug("FUSE op {} handed on: {}", r.opcode(), e.getMessage());
      r.rewind();
      if (ids == null) {
        return false;
      }
      ids.restart();
      inFlight.acquireUninterruptibly();
      inflight.add(r.unique(), false);
      // No read buffer to pass on: these requests are small, so they were copied out of it.
      handOn(channel, r, null, ids);
      return true;
    }
    ran.run();
    answer(channel, r, outcome, started);
    return true;
  }

  /**
   * Starts a READ's first attempt from the reader thread, without a handler thread: the reply is
   * written from the completion of its storage calls (an event loop), two thread wake-ups fewer per
   * read. Where the read cannot start so (buffered writes to send first) it returns false, and
   * where the attempt fails (a read that needs a retry, a replica away, a block that did not match)
   * the request goes, rewound, to a handler thread that reads from the start with retries. Counts
   * against {@code max_in_flight} like any request.
   */
  private boolean readAsync(FuseChannel channel, Request r) {
    long started = System.nanoTime();
    CompletableFuture<Reply> attempt;
    try {
      attempt = ops.files().readFirstAttempt(r);
    } catch (Request.MalformedRequest e) {
      throw e; // answered EINVAL by the caller
    } catch (RuntimeException e) {
      attempt = null; // the handler thread answers it: its errno, or EIO
    }
    if (attempt == null) {
      r.rewind();
      return false;
    }
    inFlight.acquireUninterruptibly();
    inflight.add(r.unique(), true);
    attempt.whenComplete(
        (out, failure) -> {
          if (failure != null) {
            r.rewind();
            handOn(channel, r, null, null);
            return;
          }
          inflight.forget(r.unique());
          try {
            answer(channel, r, new Outcome(out, 0), started);
          } finally {
            inFlight.release();
          }
        });
    return true;
  }

  /**
   * A request already counted in flight (and registered in {@code inflight}) goes to a handler
   * thread; {@code held}, a read buffer lent to a large write, is given back when it is done;
   * {@code ids}, the request ids of a declined direct attempt, are its mutations' ids (or null).
   */
  private void handOn(FuseChannel channel, Request r, MemorySegment held, MetaRequestIds ids) {
    try {
      handlers.execute(
          () -> {
            try {
              handle(channel, r, ids);
            } finally {
              giveBack(held);
              inFlight.release();
            }
          });
    } catch (RejectedExecutionException shuttingDown) {
      if (ids != null) {
        // A declined direct mutation may have been applied: an EIO would report it failed, so
        // it is finished here, on the reader, with its request ids.
        try {
          handle(channel, r, ids);
        } finally {
          giveBack(held);
          inFlight.release();
        }
        return;
      }
      inflight.finish(r.unique());
      giveBack(held);
      inFlight.release();
      reply(channel, r.unique(), Errno.EIO, null); // never leave the caller waiting
    }
  }

  /** An operation's reply, or the errno its failure maps to (0: the reply). */
  private record Outcome(Reply out, int errno) {}

  /**
   * Runs a request's operation. A decline of the direct links passes through (the request goes on
   * to a handler thread); any other failure becomes its errno.
   */
  private Outcome run(Request r) {
    try {
      Reply out = ops.dispatch(r);
      return out == null ? new Outcome(null, Errno.ENOSYS) : new Outcome(out, 0);
    } catch (DirectMetaLinks.Declined e) {
      throw e;
    } catch (StatusException e) {
      log.debug("FUSE op {} failed: {}", r.opcode(), e.getMessage());
      return new Outcome(null, Errno.of(e.code()));
    } catch (Errno.Failure e) {
      log.debug("FUSE op {} failed: {}", r.opcode(), e.getMessage());
      return new Outcome(null, e.errno());
    } catch (Request.MalformedRequest e) {
      log.warn("malformed FUSE request: {}", e.getMessage());
      return new Outcome(null, Errno.EINVAL);
    } catch (Throwable e) { // an Error too: the caller waits for an answer without a timeout
      log.error("FUSE op {} failed", r.opcode(), e);
      return new Outcome(null, Errno.EIO);
    }
  }

  private void handle(FuseChannel channel, Request r, MetaRequestIds ids) {
    long started = System.nanoTime();
    Outcome outcome;
    try {
      if (!inflight.start(r.unique())) {
        outcome = new Outcome(null, Errno.EINTR); // interrupted before it started
      } else if (ids != null) {
        outcome = ScopedValue.where(FsContext.REQUEST_IDS, ids).call(() -> run(r));
      } else {
        outcome = run(r);
      }
    } finally {
      inflight.finish(r.unique());
    }
    if (r.opcode() == Opcode.DESTROY) {
      log.info("FUSE connection destroyed");
    }
    answer(channel, r, outcome, started);
  }

  /**
   * Records the request's metrics and writes its reply (EIO if writing the reply failed), then
   * releases the reply.
   */
  private void answer(FuseChannel channel, Request r, Outcome outcome, long startedNanos) {
    RequestMetrics.record(r.opcode(), outcome.errno(), System.nanoTime() - startedNanos);
    try {
      reply(channel, r.unique(), outcome.errno(), outcome.errno() == 0 ? outcome.out() : null);
    } catch (RuntimeException e) {
      log.error("FUSE reply to op {} failed; answering EIO", r.opcode(), e);
      reply(channel, r.unique(), Errno.EIO, null);
    } finally {
      if (outcome.out() != null) {
        outcome.out().release();
      }
    }
  }

  /** Writes one reply: the out header, the body, and any bulk parts, in one writev. */
  static void reply(FuseChannel channel, long unique, int errno, Reply out) {
    MemorySegment body = out == null ? MemorySegment.NULL : out.bodyView();
    MemorySegment[] data = out == null ? new MemorySegment[0] : out.dataParts();
    long length = Reply.HEADER_BYTES + body.byteSize() + (out == null ? 0 : out.dataBytes());
    try (Arena a = Arena.ofConfined()) {
      MemorySegment head = a.allocate(Reply.HEADER_BYTES + body.byteSize(), 8);
      head.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) length);
      head.set(ValueLayout.JAVA_INT_UNALIGNED, 4, -errno);
      head.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, unique);
      MemorySegment.copy(body, 0, head, Reply.HEADER_BYTES, body.byteSize());
      MemorySegment[] parts = new MemorySegment[1 + data.length];
      parts[0] = head;
      System.arraycopy(data, 0, parts, 1, data.length);
      channel.reply(a, parts);
    }
  }

  @Override
  public void close() {
    handlers.shutdown();
    try {
      handlers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (FuseChannel c : channels) {
      c.close();
    }
    if (channels.isEmpty()) {
      main.close();
    }
    for (Thread t : readers) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ctx.closeAll();
    ctx.files().close();
    if (readers.stream().noneMatch(Thread::isAlive)) {
      arena.close(); // a reader still in read(2) would write into freed memory
    }
  }
}
