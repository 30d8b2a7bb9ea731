package io.j3fs.fuse;

import io.j3fs.fuse.kernel.FuseChannel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel side of a FUSE connection, in memory: tests queue request bytes (well-formed or not)
 * and take the replies the session wrote. Clones share the queues, as the kernel's cloned
 * descriptors share one connection.
 */
final class FakeChannel implements FuseChannel {
  private static final byte[] UNMOUNTED = new byte[0];

  private final BlockingQueue<byte[]> requests;
  private final BlockingQueue<ByteBuffer> replies;

  /** Readers in read() now, over this channel and its clones. */
  private final AtomicInteger reading;

  FakeChannel() {
    this(new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>(), new AtomicInteger());
  }

  private FakeChannel(
      BlockingQueue<byte[]> requests, BlockingQueue<ByteBuffer> replies, AtomicInteger reading) {
    this.requests = requests;
    this.replies = replies;
    this.reading = reading;
  }

  /** How many readers are in read() now. */
  int reading() {
    return reading.get();
  }

  /** Requests sent and not yet read. */
  int pending() {
    return requests.size();
  }

  void send(byte[] request) {
    requests.add(request);
  }

  /** Ends every reader, as an unmount does (one end marker per reader). */
  void unmount(int readers) {
    for (int i = 0; i < readers; i++) {
      requests.add(UNMOUNTED);
    }
  }

  /** The next reply (little-endian), or fails after 10 s. */
  ByteBuffer reply() throws InterruptedException {
    ByteBuffer r = replies.poll(10, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no reply within 10 s");
    }
    return r;
  }

  /** A reply within {@code ms}, or null. */
  ByteBuffer replyWithin(long ms) throws InterruptedException {
    return replies.poll(ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public int read(MemorySegment buffer) {
    reading.incrementAndGet();
    try {
      byte[] next = requests.take();
      if (next == UNMOUNTED) {
        return -1;
      }
      MemorySegment.copy(next, 0, buffer, ValueLayout.JAVA_BYTE, 0, next.length);
      return next.length;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } finally {
      reading.decrementAndGet();
    }
  }

  @Override
  public void reply(Arena scratch, MemorySegment... parts) {
    long total = 0;
    for (MemorySegment p : parts) {
      total += p.byteSize();
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    for (MemorySegment p : parts) {
      out.put(p.asByteBuffer());
    }
    replies.add(out.flip());
  }

  @Override
  public FuseChannel cloneChannel() {
    return new FakeChannel(requests, replies, reading);
  }

  @Override
  public void close() {}
}
