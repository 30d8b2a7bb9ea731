package io.j3fs.storage.chunk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Chunk data in files: for each size class, {@code filesPerClass} files under {@code
 * dir/class-<bytes>/}; slot s of a class is at offset {@code (s / filesPerClass) * classBytes} of
 * file {@code s % filesPerClass}, so consecutive slots spread over files (3FS keeps 256 files per
 * class). Files grow as slots are used; a freed slot is reused by a later chunk.
 *
 * <p>Thread-safety: FileChannel positional I/O is safe from many threads; channels are opened
 * lazily under a lock.
 */
public final class FileDataStore implements DataStore {
  private final Path dir;
  private final int filesPerClass;
  private final FileChannel[][] channels;

  public FileDataStore(Path dir, int filesPerClass) throws IOException {
    if (filesPerClass < 1 || filesPerClass > 256) {
      throw new IllegalArgumentException("files per class must be 1-256, got " + filesPerClass);
    }
    this.dir = dir;
    this.filesPerClass = filesPerClass;
    this.channels = new FileChannel[SizeClasses.COUNT][filesPerClass];
    Files.createDirectories(dir);
  }

  private FileChannel channel(int sizeClass, long slot) throws IOException {
    int file = (int) (slot % filesPerClass);
    FileChannel channel = channels[sizeClass][file];
    if (channel == null) {
      synchronized (this) {
        channel = channels[sizeClass][file];
        if (channel == null) {
          Path classDir = dir.resolve("class-" + SizeClasses.bytes(sizeClass));
          Files.createDirectories(classDir);
          channel =
              FileChannel.open(
                  classDir.resolve(String.format("%03d.data", file)),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.READ,
                  StandardOpenOption.WRITE);
          channels[sizeClass][file] = channel;
        }
      }
    }
    return channel;
  }

  private long position(int sizeClass, long slot, int offset) {
    return (slot / filesPerClass) * (long) SizeClasses.bytes(sizeClass) + offset;
  }

  @Override
  public void write(int sizeClass, long slot, int offset, ByteBuffer src) throws IOException {
    checkRange(sizeClass, offset, src.remaining());
    FileChannel channel = channel(sizeClass, slot);
    long at = position(sizeClass, slot, offset);
    while (src.hasRemaining()) {
      at += channel.write(src, at);
    }
  }

  @Override
  public void read(int sizeClass, long slot, int offset, ByteBuffer dst) throws IOException {
    checkRange(sizeClass, offset, dst.remaining());
    FileChannel channel = channel(sizeClass, slot);
    long at = position(sizeClass, slot, offset);
    while (dst.hasRemaining()) {
      int n = channel.read(dst, at);
      if (n < 0) {
        // Past the end of a sparse file: never written, reads as zeros.
        while (dst.hasRemaining()) {
          dst.put((byte) 0);
        }
        return;
      }
      if (n == 0) {
        throw new EOFException("no progress reading slot " + slot);
      }
      at += n;
    }
  }

  private static void checkRange(int sizeClass, int offset, int length) {
    if (offset < 0 || (long) offset + length > SizeClasses.bytes(sizeClass)) {
      throw new IllegalArgumentException(
          "bytes ["
              + offset
              + ", "
              + ((long) offset + length)
              + ") are outside a slot of "
              + SizeClasses.bytes(sizeClass));
    }
  }

  @Override
  public void sync() throws IOException {
    for (FileChannel[] files : channels) {
      for (FileChannel channel : files) {
        if (channel != null) {
          channel.force(false);
        }
      }
    }
  }

  @Override
  public long freeBytes() throws IOException {
    return Files.getFileStore(dir).getUsableSpace();
  }

  @Override
  public synchronized void close() throws IOException {
    for (FileChannel[] files : channels) {
      for (int i = 0; i < files.length; i++) {
        if (files[i] != null) {
          files[i].close();
          files[i] = null;
        }
      }
    }
  }
}
