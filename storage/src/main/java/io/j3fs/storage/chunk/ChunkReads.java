package io.j3fs.storage.chunk;

import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

  /** What a read does with its chunk under the slot read lock: meta readable, end clamped. */
  private interface Body<T> {
    T apply(ChunkMeta meta, int end) throws IOException;
  }

  /**
   * Runs {@code body} under the chunk's slot read lock, with its metadata checked readable and the
   * read's end clamped to its length; an absent chunk or an empty range gives {@code empty} of the
   * metadata (null when absent). An I/O failure answers INTERNAL.
   */
  private <T> T underLock(
      ChunkId id,
      int offset,
      int length,
      boolean allowUncommitted,
      Function<ChunkMeta, T> empty,
      Body<T> body) {
    if (offset < 0 || length < 0) {
      throw StatusException.invalidArgument("read offset and length must not be negative");
    }
    ReentrantReadWriteLock.ReadLock lock = slotLock.apply(id).readLock();
    lock.lock();
    try {
      ChunkMeta meta = metas.get(id);
      if (meta == null) {
        return empty.apply(null);
      }
      checkReadable(meta, allowUncommitted);
      int end = (int) Math.min((long) offset + length, meta.length());
      if (end <= offset) {
        return empty.apply(meta);
      }
      return body.apply(meta, end);
    } catch (IOException e) {
      throw new StatusException(
          StatusCode.INTERNAL, "cannot read chunk " + id + ": " + e.getMessage());
    } finally {
      lock.unlock();
    }
  }

  /** See {@link ChunkEngine#clientChecks}. */
  boolean clientChecks(boolean asked) {
    return asked && verifyReads;
  }

  /** See {@link ChunkEngine#read}. */
  ChunkEngine.Read read(ChunkId id, int offset, int length, boolean allowUncommitted) {
    return underLock(
        id,
        offset,
        length,
        allowUncommitted,
        meta -> new ChunkEngine.Read(meta, allocator.buffer(0), 0),
        (meta, end) -> {
          try {
            ChunkEngine.Read read = SlotIo.read(data, allocator, meta, offset, end, verifyReads);
            bytesRead.add(end - offset);
            return read;
          } catch (BlockChecksums.Mismatch e) {
            checksumMismatches.increment();
            throw new StatusException(
                StatusCode.CHECKSUM_MISMATCH,
                "chunk " + meta.id() + " block " + e.block + " does not match its checksum");
          }
        });
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

  private static ChunkEngine.BlockRead noBlocks(ChunkMeta meta) {
    return new ChunkEngine.BlockRead(meta, 0, 0, 0, 0, BlockChecksums.NONE, null, null, () -> {});
  }

  /** See {@link ChunkEngine#readBlocks}. */
  ChunkEngine.BlockRead readBlocks(ChunkId id, int offset, int length, boolean allowUncommitted) {
    return underLock(
        id,
        offset,
        length,
        allowUncommitted,
        ChunkReads::noBlocks,
        (meta, end) -> {
          int block = BlockChecksums.BLOCK_BYTES;
          int start = offset / block * block;
          int stop = Math.min(meta.length(), (end + block - 1) / block * block);
          int[] checksums =
              Arrays.copyOfRange(meta.blockChecksums(), start / block, BlockChecksums.blocks(stop));
          DataStore.Region region = data.region(meta.sizeClass(), meta.slot(), start, stop - start);
          bytesRead.add(end - offset);
          if (region == null) {
            ByteBuf bytes = SlotIo.readRange(data, allocator, meta, start, stop);
            return new ChunkEngine.BlockRead(
                meta, start, stop, offset - start, stop - end, checksums, bytes, null, () -> {});
          }
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
        });
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

  /** A planned read of a batch: its chunk and range, and the buffer its I/O fills. */
  private record Planned(
      ChunkEngine.BatchItem item,
      ChunkMeta meta,
      int start,
      int stop,
      int end,
      ByteBuf buf,
      int readAt) {}

  /**
   * Many reads with their disk I/O submitted together ({@link DataStore#readAll}): each read is
   * planned under its slot read lock (status checks, range, an aligned buffer) and pins its slot,
   * the I/O runs with no lock held, then each read is checked here (a {@link ChunkEngine.Read}) or
   * left to the client (a {@link ChunkEngine.BlockRead}, when the item asks for it and reads are
   * verified). Each outcome is one of those two or the StatusException that read failed with.
   */
  List<Object> readBatch(List<ChunkEngine.BatchItem> items, boolean allowUncommitted) {
    Object[] outcomes = new Object[items.size()];
    Planned[] plans = new Planned[items.size()];
    List<DataStore.SlotRead> ios = new ArrayList<>(items.size());
    List<Integer> planned = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      ChunkEngine.BatchItem item = items.get(i);
      boolean blocks = clientChecks(item.clientVerifies());
      try {
        Planned plan = plan(item, allowUncommitted, ios);
        if (plan == null) {
          outcomes[i] =
              blocks
                  ? noBlocks(metas.get(item.id()))
                  : new ChunkEngine.Read(metas.get(item.id()), allocator.buffer(0), 0);
        } else {
          plans[i] = plan;
          planned.add(i);
        }
      } catch (StatusException e) {
        outcomes[i] = e;
      }
    }
    try {
      data.readAll(ios);
    } catch (IOException | RuntimeException e) {
      for (int i : planned) {
        unpin(plans[i]);
        plans[i].buf().release();
        outcomes[i] =
            new StatusException(
                StatusCode.INTERNAL, "cannot read chunk " + plans[i].meta().id() + ": " + e);
      }
      return Arrays.asList(outcomes);
    }
    for (int i : planned) {
      unpin(plans[i]);
      outcomes[i] = finish(plans[i]);
    }
    return Arrays.asList(outcomes);
  }

  /** Plans one read and adds its I/O to {@code ios}; null if it reads no bytes. */
  private Planned plan(
      ChunkEngine.BatchItem item, boolean allowUncommitted, List<DataStore.SlotRead> ios) {
    int offset = item.offset();
    return underLock(
        item.id(),
        offset,
        item.length(),
        allowUncommitted,
        meta -> null,
        (meta, end) -> {
          int block = BlockChecksums.BLOCK_BYTES;
          boolean wholeBlocks = verifyReads;
          int start = wholeBlocks ? offset / block * block : offset;
          int stop = wholeBlocks ? Math.min(meta.length(), (end + block - 1) / block * block) : end;
          SlotIo.Aligned aligned = SlotIo.aligned(allocator, data.readAlignment(), start, stop);
          pins.pin(meta.sizeClass(), meta.slot(), stop);
          ios.add(
              new DataStore.SlotRead(
                  meta.sizeClass(), meta.slot(), aligned.ioStart(), aligned.io()));
          return new Planned(item, meta, start, stop, end, aligned.buf(), aligned.readAt());
        });
  }

  private void unpin(Planned plan) {
    pins.unpin(plan.meta().sizeClass(), plan.meta().slot(), slots);
  }

  /** Checks (or leaves to the client) what a planned read's I/O brought. */
  private Object finish(Planned plan) {
    ChunkMeta meta = plan.meta();
    ByteBuf buf = plan.buf();
    int offset = plan.item().offset();
    buf.setIndex(plan.readAt(), plan.readAt() + plan.stop() - plan.start());
    bytesRead.add(plan.end() - offset);
    if (clientChecks(plan.item().clientVerifies())) {
      int block = BlockChecksums.BLOCK_BYTES;
      return new ChunkEngine.BlockRead(
          meta,
          plan.start(),
          plan.stop(),
          offset - plan.start(),
          plan.stop() - plan.end(),
          Arrays.copyOfRange(
              meta.blockChecksums(), plan.start() / block, BlockChecksums.blocks(plan.stop())),
          buf,
          null,
          () -> {});
    }
    try {
      ByteBuffer bytes = buf.nioBuffer();
      int checksum =
          verifyReads
              ? BlockChecksums.verifyAndFold(
                  meta.blockChecksums(), bytes, plan.start(), offset, plan.end())
              : Crc32c.of(bytes);
      return new ChunkEngine.Read(
          meta,
          buf.retainedSlice(buf.readerIndex() + offset - plan.start(), plan.end() - offset),
          checksum);
    } catch (BlockChecksums.Mismatch e) {
      checksumMismatches.increment();
      return new StatusException(
          StatusCode.CHECKSUM_MISMATCH,
          "chunk " + meta.id() + " block " + e.block + " does not match its checksum");
    } finally {
      buf.release();
    }
  }
}
