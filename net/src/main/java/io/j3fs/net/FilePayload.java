package io.j3fs.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A payload that lives in a file: sent with sendfile (zero copy) on plain TCP, read into a buffer
 * where the bytes must pass through user space (TLS, the in-process transport). The file channel
 * stays the caller's (storage targets share one channel per data file); {@code onDone} runs exactly
 * once, when the bytes have left or will never leave, so the caller can let the range be reused
 * (the chunk engine keeps the slot pinned until then).
 */
public final class FilePayload {
  private final FileChannel file;
  private final long position;
  private final long count;
  private final Runnable onDone;
  private final AtomicBoolean done = new AtomicBoolean();

  public FilePayload(FileChannel file, long position, long count, Runnable onDone) {
    if (position < 0 || count < 0) {
      throw new IllegalArgumentException(
          "file payload position and count must not be negative: " + position + ", " + count);
    }
    this.file = file;
    this.position = position;
    this.count = count;
    this.onDone = onDone;
  }

  public FileChannel file() {
    return file;
  }

  public long position() {
    return position;
  }

  public long count() {
    return count;
  }

  /** Runs {@code onDone} if it has not run yet. Thread-safe. */
  public void done() {
    if (done.compareAndSet(false, true)) {
      onDone.run();
    }
  }

  /** Reads the bytes into a new buffer owned by the caller, and is done with the file range. */
  public ByteBuf readAndRelease(ByteBufAllocator allocator) {
    try {
      return read(allocator);
    } finally {
      done();
    }
  }

  private ByteBuf read(ByteBufAllocator allocator) {
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "file payload of " + count + " bytes is too large for one buffer");
    }
    ByteBuf buf = allocator.directBuffer((int) count);
    try {
      long at = position;
      while (buf.writerIndex() < count) {
        int read = buf.writeBytes(file, at, (int) count - buf.writerIndex());
        if (read < 0) {
          throw new IOException("file ended " + (count - buf.writerIndex()) + " bytes early");
        }
        at += read;
      }
      return buf;
    } catch (IOException e) {
      buf.release();
      throw new UncheckedIOException("cannot read file payload", e);
    }
  }
}
