package io.j3fs.storage.chunk;

import java.util.BitSet;

/**
 * Which slots of each size class hold a chunk: a bitmap per class (3FS groups it in 256-slot
 * groups; a BitSet's words are the same thing), lowest free slot first so files stay compact and
 * freed slots are reused. Not stored: the engine rebuilds it from the chunk metadata at open, so it
 * can never disagree with what the metadata references (a slot written by a write that crashed
 * before its metadata was stored is simply free again).
 *
 * <p>Thread-safety: synchronized; calls are short.
 */
final class SlotAllocator {
  private final BitSet[] used = new BitSet[SizeClasses.COUNT];
  private final long[] highWater = new long[SizeClasses.COUNT];
  private long usedBytes;

  SlotAllocator() {
    for (int i = 0; i < used.length; i++) {
      used[i] = new BitSet();
    }
  }

  /** Marks a slot used (at open). */
  synchronized void markUsed(int sizeClass, long slot) {
    if (!used[sizeClass].get((int) slot)) {
      used[sizeClass].set((int) slot);
      usedBytes += SizeClasses.bytes(sizeClass);
      highWater[sizeClass] = Math.max(highWater[sizeClass], slot + 1);
    }
  }

  /** The slot a new chunk of this class would get, without taking it. */
  synchronized long peek(int sizeClass) {
    return used[sizeClass].nextClearBit(0);
  }

  /** Whether taking {@code slot} grows the class's files (needs new disk space). */
  synchronized boolean grows(int sizeClass, long slot) {
    return slot >= highWater[sizeClass];
  }

  synchronized long allocate(int sizeClass) {
    int slot = used[sizeClass].nextClearBit(0);
    if (slot < 0 || slot == Integer.MAX_VALUE) {
      throw new IllegalStateException("size class " + sizeClass + " has no free slot index");
    }
    used[sizeClass].set(slot);
    usedBytes += SizeClasses.bytes(sizeClass);
    highWater[sizeClass] = Math.max(highWater[sizeClass], slot + 1L);
    return slot;
  }

  synchronized void free(int sizeClass, long slot) {
    if (used[sizeClass].get((int) slot)) {
      used[sizeClass].clear((int) slot);
      usedBytes -= SizeClasses.bytes(sizeClass);
    }
  }

  synchronized boolean isUsed(int sizeClass, long slot) {
    return used[sizeClass].get((int) slot);
  }

  /** Bytes of all used slots. */
  synchronized long usedBytes() {
    return usedBytes;
  }
}
