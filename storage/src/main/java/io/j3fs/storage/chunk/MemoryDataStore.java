package io.j3fs.storage.chunk;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Chunk data in memory, for the simulator and tests. Survives a simulated process crash (the same
 * instance is given to the reopened engine) as a page cache would. {@link #corrupt} flips a byte as
 * a failing disk would. Capacity is fixed, so "disk full" can be tested.
 */
public final class MemoryDataStore implements DataStore {
  private final ConcurrentHashMap<Long, byte[]> slots = new ConcurrentHashMap<>();
  private final long capacityBytes;

  public MemoryDataStore(long capacityBytes) {
    this.capacityBytes = capacityBytes;
  }

  private static long key(int sizeClass, long slot) {
    return ((long) sizeClass << 56) | slot;
  }

  private byte[] slot(int sizeClass, long slot) {
    return slots.computeIfAbsent(key(sizeClass, slot), k -> new byte[SizeClasses.bytes(sizeClass)]);
  }

  @Override
  public void write(int sizeClass, long slot, int offset, ByteBuffer src) {
    byte[] bytes = slot(sizeClass, slot);
    src.get(bytes, offset, src.remaining());
  }

  @Override
  public void read(int sizeClass, long slot, int offset, ByteBuffer dst) {
    byte[] bytes = slots.get(key(sizeClass, slot));
    if (bytes == null) {
      byte[] zeros = new byte[dst.remaining()];
      dst.put(zeros);
      return;
    }
    dst.put(bytes, offset, dst.remaining());
  }

  /** Flips one byte of a slot, as a disk error would. */
  public void corrupt(int sizeClass, long slot, int offset) {
    byte[] bytes = slot(sizeClass, slot);
    bytes[offset] ^= 0x5a;
  }

  /** Forgets everything (a wiped disk). */
  public void wipe() {
    slots.clear();
  }

  @Override
  public void sync() {}

  @Override
  public long freeBytes() {
    long used = 0;
    for (var entry : slots.entrySet()) {
      used += entry.getValue().length;
    }
    return Math.max(0, capacityBytes - used);
  }

  @Override
  public void close() {}
}
