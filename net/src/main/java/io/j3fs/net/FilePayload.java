package io.j3fs.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;

/**
 * A payload that lives in a file: sent with sendfile (zero copy) on plain TCP, read into a buffer
 * where the bytes must pass through user space (TLS, the in-process transport). Ownership of the
 * file channel passes with the payload: the RPC layer closes it once the bytes are sent (as Netty's
 * file regions do).
 */
public record FilePayload(FileChannel file, long position, long count) {
  /** Reads the bytes into a new buffer owned by the caller, and closes the file channel. */
  public ByteBuf readAndClose(ByteBufAllocator allocator) {
    try {
      return read(allocator);
    } finally {
      closeQuietly();
    }
  }

  public void closeQuietly() {
    try {
      file.close();
    } catch (IOException ignored) {
      // nothing more to do with it
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
