package io.j3fs.client.file;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * An open j3fs file as a {@link SeekableByteChannel}: reads and writes at the position, which moves
 * by what they moved. Closing the channel closes the file (and so reports its length).
 *
 * <p>Not thread-safe, like a FileChannel used through its position.
 */
public final class J3fsChannel implements SeekableByteChannel {
  private final J3fsClient.J3fsFile file;
  private final boolean writable;
  private long position;
  private boolean open = true;

  J3fsChannel(J3fsClient.J3fsFile file, boolean writable) {
    this.file = file;
    this.writable = writable;
  }

  /** A channel on a file already open (writable only if it was opened for writing). */
  public static J3fsChannel of(J3fsClient.J3fsFile file, boolean writable) {
    return new J3fsChannel(file, writable);
  }

  public J3fsClient.J3fsFile file() {
    return file;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    if (position >= file.length()) {
      return -1;
    }
    ByteBuf bytes = file.read(position, dst.remaining());
    try {
      int n = bytes.readableBytes();
      ByteBuffer target = dst.duplicate();
      target.limit(target.position() + n);
      bytes.getBytes(bytes.readerIndex(), target);
      dst.position(dst.position() + n);
      position += n;
      return n;
    } finally {
      bytes.release();
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    ensureOpen();
    if (!writable) {
      throw new NonWritableChannelException();
    }
    int n = src.remaining();
    file.write(position, Unpooled.wrappedBuffer(src));
    src.position(src.limit());
    position += n;
    return n;
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("position must not be negative, got " + newPosition);
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return file.length();
  }

  @Override
  public SeekableByteChannel truncate(long size) throws IOException {
    ensureOpen();
    if (!writable) {
      throw new NonWritableChannelException();
    }
    if (size < file.length()) {
      file.truncate(size);
    }
    position = Math.min(position, size);
    return this;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    if (open) {
      open = false;
      file.close();
    }
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!open) {
      throw new ClosedChannelException();
    }
  }
}
