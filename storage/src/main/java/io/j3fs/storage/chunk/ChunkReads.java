package io.j3fs.storage.chunk;

import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The read side of a {@link ChunkEngine}: each read takes its chunk's slot read lock, so the
 * engine's metadata switch (which takes the write lock before freeing the old slot) never frees a
 * slot under it; a read sent from the file after the lock is released keeps its slot pinned instead
 * ({@link SlotPins}).
 *
 * <p>Thread-safety: called from any number of threads at once.
 */
final class ChunkReads {
  private final DataStore data;
  private final ByteBufAllocator allocator;
  private final Map<ChunkId, ChunkMeta> metas;
  private final Function<ChunkId, ReentrantReadWriteLock> slotLock;
  private final SlotPins pins;
  private final SlotAllocator slots;
  private final boolean verifyReads;
  final LongAdder checksumMismatches = new LongAdder();
  final LongAdder bytesRead = new LongAdder();

  ChunkReads(
      DataStore data,
      ByteBufAllocator allocator,
      Map<ChunkId, ChunkMeta> metas,
      Function<ChunkId, ReentrantReadWriteLock> slotLock,
      SlotPins pins,
      SlotAllocator slots,
      boolean verifyReads) {
    this.data = data;
    this.allocator = allocator;
    this.metas = metas;
    this.slotLock = slotLock;
    this.pins = pins;
    this.slots = slots;
    this.verifyReads = verifyReads;
  }

  /** See {@link ChunkEngine#read}. */
  ChunkEngine.Read read(ChunkId id, int offset, int length, boolean allowUncommitted) {
    if (offset < 0 || length < 0) {
      throw StatusException.invalidArgument("read offset and length must not be negative");
    }
    ReentrantReadWriteLock.ReadLock lock = slotLock.apply(id).readLock();
    lock.lock();
    try {
      ChunkMeta meta = metas.get(id);
      if (meta == null) {
        return new ChunkEngine.Read(null, allocator.buffer(0), 0);
      }
      checkReadable(meta, allowUncommitted);
      int end = (int) Math.min((long) offset + length, meta.length());
      if (end <= offset) {
        return new ChunkEngine.Read(meta, allocator.buffer(0), 0);
      }
      try {
        ChunkEngine.Read read = SlotIo.read(data, allocator, meta, offset, end, verifyReads);
        bytesRead.add(end - offset);
        return read;
      } catch (BlockChecksums.Mismatch e) {
        checksumMismatches.increment();
        throw new StatusException(
            StatusCode.CHECKSUM_MISMATCH,
            "chunk " + meta.id() + " block " + e.block + " does not match its checksum");
      } catch (IOException e) {
        throw new StatusException(
            StatusCode.INTERNAL, "cannot read chunk " + id + ": " + e.getMessage());
      }
    } finally {
      lock.unlock();
    }
  }

  private static void checkReadable(ChunkMeta meta, boolean allowUncommitted) {
    if (meta.removed() || (!meta.committed() && !allowUncommitted)) {
      throw new StatusException(
          StatusCode.CHUNK_NOT_COMMITTED,
          "chunk "
              + meta.id()
              + " has update "
              + meta.updateVersion()
              + " pending (committed "
              + meta.commitVersion()
              + ")");
    }
  }

  /** See {@link ChunkEngine#readBlocks}. */
  ChunkEngine.BlockRead readBlocks(ChunkId id, int offset, int length, boolean allowUncommitted) {
    if (offset < 0 || length < 0) {
      throw StatusException.invalidArgument("read offset and length must not be negative");
    }
    ReentrantReadWriteLock.ReadLock lock = slotLock.apply(id).readLock();
    lock.lock();
    try {
      ChunkMeta meta = metas.get(id);
      if (meta == null) {
        return new ChunkEngine.BlockRead(
            null, 0, 0, 0, 0, BlockChecksums.NONE, null, null, () -> {});
      }
      checkReadable(meta, allowUncommitted);
      int end = (int) Math.min((long) offset + length, meta.length());
      if (end <= offset) {
        return new ChunkEngine.BlockRead(
            meta, 0, 0, 0, 0, BlockChecksums.NONE, null, null, () -> {});
      }
      int block = BlockChecksums.BLOCK_BYTES;
      int start = offset / block * block;
      int stop = Math.min(meta.length(), (end + block - 1) / block * block);
      int[] checksums =
          java.util.Arrays.copyOfRange(
              meta.blockChecksums(), start / block, BlockChecksums.blocks(stop));
      try {
        DataStore.Region region = data.region(meta.sizeClass(), meta.slot(), start, stop - start);
        bytesRead.add(end - offset);
        if (region != null) {
          int sizeClass = meta.sizeClass();
          long slot = meta.slot();
          pins.pin(sizeClass, slot, stop);
          return new ChunkEngine.BlockRead(
              meta,
              start,
              stop,
              offset - start,
              stop - end,
              checksums,
              null,
              region,
              () -> pins.unpin(sizeClass, slot, slots));
        }
        ByteBuf bytes = SlotIo.readRange(data, allocator, meta, start, stop);
        return new ChunkEngine.BlockRead(
            meta, start, stop, offset - start, stop - end, checksums, bytes, null, () -> {});
      } catch (IOException e) {
        throw new StatusException(
            StatusCode.INTERNAL, "cannot read chunk " + id + ": " + e.getMessage());
      }
    } finally {
      lock.unlock();
    }
  }

  /** See {@link ChunkEngine#verify}. */
  boolean verify(ChunkId id) {
    ChunkMeta meta = metas.get(id);
    if (meta == null || meta.removed() || meta.length() == 0) {
      return true;
    }
    ReentrantReadWriteLock.ReadLock lock = slotLock.apply(id).readLock();
    lock.lock();
    try {
      if (metas.get(id) != meta) {
        return true; // changed under us: the new version was just written with fresh checksums
      }
      SlotIo.read(data, allocator, meta, 0, meta.length(), true).bytes().release();
      return true;
    } catch (BlockChecksums.Mismatch e) {
      checksumMismatches.increment();
      return false;
    } catch (IOException e) {
      return false;
    } finally {
      lock.unlock();
    }
  }
}
