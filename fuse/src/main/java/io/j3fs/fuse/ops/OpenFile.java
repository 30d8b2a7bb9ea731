package io.j3fs.fuse.ops;

import io.j3fs.client.file.FileIo;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.meta.Inode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * One open file handle (a FUSE fh): the inode as opened (its layout says where the chunks are), the
 * write session, and the write buffer.
 *
 * <p>Writes are buffered up to {@code bufferBytes} while they are contiguous; a full buffer (or one
 * a non-contiguous write ends) goes out in the background (FileIo splits it into chunk writes, sent
 * to their chains in parallel) while the next one fills. At most {@link #MAX_INFLIGHT} sends are in
 * flight per handle, and a send waits for every earlier one whose range it overlaps, so overlapping
 * bytes land in the order they were written. A failed background write is reported by the next
 * write, flush or fsync of this handle, once, as Linux reports a failed writeback. Flush, fsync and
 * release send what is buffered, wait for it, and report the length.
 *
 * <p>Thread-safe: the buffer is guarded by this object's lock (the kernel may send several writes
 * of one handle at once).
 */
public final class OpenFile {
  static final int O_ACCMODE = 03;
  static final int O_WRONLY = 01;
  static final int O_RDWR = 02;
  static final int O_APPEND = 02000;
  static final int O_DIRECT = 040000;
  static final int O_DSYNC = 010000;

  /** Background sends of one handle in flight at once, at most. */
  static final int MAX_INFLIGHT = 8;

  /** A background send of bytes [start, end). */
  private record Send(long start, long end, CompletableFuture<Void> done) {}

  private final long fh;
  private final OpenInode shared;
  // Volatile, not final: a file created early (create-behind) is answered with the inode made
  // here, and takes the service's (with its layout) and its write session once its create is
  // applied (adopt), from the lease's thread.
  private volatile Inode inode;
  private volatile String session;
  private volatile boolean early;
  private boolean releasing; // guarded by this
  private final int flags;
  private final FileIo io;
  private final ExecutorService writers;
  private final int bufferBytes;

  /** The mount's budget of bytes in background sends, in 64 KiB permits (shared by handles). */
  private final java.util.concurrent.Semaphore mountSends;

  // Guarded by this.
  private ByteBuf buffer;
  private long bufferOffset;
  private final java.util.ArrayDeque<Send> inflight = new java.util.ArrayDeque<>();
  private StatusException failure;
  private long writtenEnd;
  private boolean wrote;
  private boolean unreported;

  OpenFile(
      long fh,
      OpenInode shared,
      Inode inode,
      String session,
      int flags,
      FileIo io,
      ExecutorService writers,
      int bufferBytes,
      java.util.concurrent.Semaphore mountSends) {
    this.fh = fh;
    this.shared = shared;
    this.inode = inode;
    this.session = session;
    this.flags = flags;
    this.io = io;
    this.writers = writers;
    this.bufferBytes = bufferBytes;
    this.mountSends = mountSends;
  }

  public long fh() {
    return fh;
  }

  public long inodeId() {
    return inode.getId();
  }

  public Inode inode() {
    return inode;
  }

  public OpenInode shared() {
    return shared;
  }

  public String session() {
    return session;
  }

  /**
   * Whether this handle is on a file created early that has no write session from the service yet.
   */
  public boolean early() {
    return early;
  }

  /** Marks the handle of a file created early (before its create can be applied). */
  void markEarly() {
    early = true;
  }

  /**
   * The file created early is made: from now on this handle uses the service's inode (its layout)
   * and {@code session} (empty: none, a write asks for one).
   */
  synchronized boolean adopt(Inode made, String session) {
    this.inode = made;
    this.session = session;
    this.early = session.isEmpty();
    return releasing;
  }

  /**
   * The release's look at the write session to end: from now on a session this handle adopts is
   * ended by whoever adopted it ({@link #adopt} says so).
   */
  synchronized String sessionToEnd() {
    releasing = true;
    return session;
  }

  /** Whether the handle is open for writing and not being released (its create asks a session). */
  synchronized boolean openForWriting() {
    return writable() && !releasing;
  }

  public boolean writable() {
    return (flags & O_ACCMODE) == O_WRONLY || (flags & O_ACCMODE) == O_RDWR;
  }

  public boolean direct() {
    return (flags & O_DIRECT) != 0;
  }

  /** Buffers {@code data} (the request's bytes, copied) for offset {@code offset}. */
  public synchronized void write(long offset, MemorySegment data) {
    if (!writable()) {
      throw new Errno.Failure(Errno.EBADF, "the file is not open for writing");
    }
    throwFailure();
    int n = (int) data.byteSize();
    int done = 0;
    while (done < n) {
      long at = offset + done;
      if (buffer != null && at != bufferOffset + buffer.readableBytes()) {
        send(); // not contiguous: the buffered range goes first
      }
      if (buffer == null) {
        // Starts at what this write needs and grows to bufferBytes: scattered small writes must
        // not each hold a whole buffer.
        buffer =
            PooledByteBufAllocator.DEFAULT.directBuffer(
                Math.min(bufferBytes, Math.max(n - done, 64 << 10)), bufferBytes);
        bufferOffset = at;
      }
      int take = Math.min(n - done, buffer.maxWritableBytes());
      buffer.writeBytes(data.asSlice(done, take).asByteBuffer());
      done += take;
      if (buffer.maxWritableBytes() == 0) {
        send();
      }
    }
    long end = offset + n;
    writtenEnd = Math.max(writtenEnd, end);
    wrote = true;
    unreported = true;
    shared.grow(end);
    if ((flags & O_DSYNC) != 0) {
      drain();
      throwFailure();
    }
  }

  /**
   * Hands the buffer to a background write, once the earlier sends it overlaps are done and fewer
   * than {@link #MAX_INFLIGHT} are in flight.
   */
  private void send() {
    ByteBuf out = buffer;
    long at = bufferOffset;
    buffer = null;
    if (out == null || out.readableBytes() == 0) {
      if (out != null) {
        out.release();
      }
      return;
    }
    long end = at + out.readableBytes();
    reap();
    for (Send earlier : inflight) {
      if (earlier.start() < end && at < earlier.end()) {
        await(earlier);
      }
    }
    while (inflight.size() >= MAX_INFLIGHT) {
      await(inflight.peekFirst());
      reap();
    }
    Inode target = inode;
    int permits = sendPermits(out.capacity()); // the memory it holds, not only the bytes in it
    mountSends.acquireUninterruptibly(permits);
    inflight.add(
        new Send(
            at,
            end,
            CompletableFuture.runAsync(
                () -> {
                  try {
                    io.write(target, at, out);
                  } finally {
                    out.release();
                    mountSends.release(permits);
                  }
                },
                writers)));
  }

  /** Permits of the mount-wide send budget a send of {@code bytes} takes (one per 64 KiB). */
  static int sendPermits(int bytes) {
    return Math.max(1, (bytes + 65535) >>> 16);
  }

  /** Drops finished sends, keeping the first failure. */
  private void reap() {
    inflight.removeIf(
        send -> {
          if (!send.done().isDone()) {
            return false;
          }
          await(send);
          return true;
        });
  }

  private void await(Send send) {
    try {
      send.done().join();
    } catch (CompletionException e) {
      if (failure == null) {
        failure =
            e.getCause() instanceof StatusException s
                ? s
                : new StatusException(StatusCode.INTERNAL, "write failed: " + e.getCause());
      }
    }
  }

  private void awaitInflight() {
    for (Send send : inflight) {
      await(send);
    }
    inflight.clear();
  }

  private void throwFailure() {
    StatusException f = failure;
    if (f != null) {
      failure = null;
      throw f;
    }
  }

  /**
   * Whether a flush of this handle would do nothing: nothing buffered, no send recorded (a finished
   * send's failure is only known once it is awaited, so any send left makes the handle not quiet),
   * no write failure to report, no length to report. Then a reader thread answers the FLUSH or the
   * RELEASE itself, without a handler thread (a release's write session then ends in the
   * background).
   */
  public synchronized boolean quiet() {
    return buffer == null && failure == null && !unreported && inflight.isEmpty();
  }

  /** Whether bytes written through this handle have not reached storage yet. */
  public synchronized boolean dirty() {
    return buffer != null || inflight.stream().anyMatch(send -> !send.done().isDone());
  }

  /**
   * Sends what is buffered and waits for it; a failure stays for this handle's owner to see (a read
   * through another handle needs the bytes out, not this handle's error).
   */
  public synchronized void drain() {
    send();
    awaitInflight();
  }

  /** Sends what is buffered, waits, and throws a write failure not yet reported. */
  public synchronized void flush() {
    drain();
    throwFailure();
  }

  /**
   * The length hint for the metadata service: the highest offset this handle wrote, and whether it
   * wrote since the last report (then it must be reported; clears the mark).
   */
  public synchronized Report takeReport() {
    Report r = new Report(writtenEnd, wrote, unreported);
    unreported = false;
    return r;
  }

  /** What a handle tells the metadata service on flush, fsync and close. */
  public record Report(long length, boolean wrote, boolean unreported) {}

  /** A truncate through this mount: nothing this handle wrote lies past {@code size} any more. */
  synchronized void truncated(long size) {
    writtenEnd = Math.min(writtenEnd, size);
  }

  /** Frees the buffer of a handle that goes away (after its last flush). */
  synchronized void discard() {
    awaitInflight();
    if (buffer != null) {
      buffer.release();
      buffer = null;
    }
  }
}
