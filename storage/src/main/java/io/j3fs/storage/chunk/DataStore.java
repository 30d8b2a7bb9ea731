package io.j3fs.storage.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * Where a target's chunk data lives: slots of each size class. The real one is files on a disk
 * ({@link FileDataStore}); the simulator uses {@link MemoryDataStore}. Thread-safe: positional
 * reads and writes of different slots run concurrently; the engine never writes a slot that a
 * reader may be reading.
 */
public interface DataStore extends AutoCloseable {
  /** Writes all of {@code src} at {@code offset} within the slot. */
  void write(int sizeClass, long slot, int offset, ByteBuffer src) throws IOException;

  /** Fills {@code dst}'s remaining bytes from {@code offset} in the slot (never written: zeros). */
  void read(int sizeClass, long slot, int offset, ByteBuffer dst) throws IOException;

  /** One read of a batch: {@link #read}'s arguments. */
  record SlotRead(int sizeClass, long slot, int offset, ByteBuffer dst) {}

  /**
   * Does every read of {@code reads}, each as {@link #read} would; the file store hands aligned
   * direct reads to the disk together. Default: one after another.
   */
  default void readAll(List<SlotRead> reads) throws IOException {
    for (SlotRead read : reads) {
      read(read.sizeClass(), read.slot(), read.offset(), read.dst());
    }
  }

  /**
   * The alignment (bytes) reads must have in offset, length and buffer address to bypass the page
   * cache; 1 when reads are buffered. Unaligned reads still work, through the page cache.
   */
  default int readAlignment() {
    return 1;
  }

  /** Where {@code count} bytes of a slot lie in a file: {@code channel} from {@code position}. */
  record Region(FileChannel channel, long position, int count) {}

  /**
   * The file range holding bytes [offset, offset + count) of a slot, for sending them with sendfile
   * instead of reading them; null when they cannot be sent from a file (memory stores, direct
   * reads, a range the file does not cover yet, or, for files, a range not in the page cache:
   * sendfile would wait for the disk on the network's event loop). The channel is shared: never
   * close it.
   */
  default Region region(int sizeClass, long slot, int offset, int count) throws IOException {
    return null;
  }

  /** Makes every write so far durable (fsync). */
  void sync() throws IOException;

  /** Bytes the device can still take (free disk space for files). */
  long freeBytes() throws IOException;

  @Override
  void close() throws IOException;
}
