package io.j3fs.storage.chunk;

import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The chunk store of one target: data in slots of a {@link DataStore}, metadata in a {@link
 * MetaStore} and cached whole in memory.
 *
 * <p>Updates are copy on write: the new content goes to a fresh slot, then the metadata is stored
 * and switched, then the old slot is freed. A crash before the switch leaves the previous version
 * intact (its slot was not touched); the fresh slot is free again at reopen, since slots in use are
 * rebuilt from the metadata. Appends that fit the chunk's slot are written in place, past the
 * current length, which no reader of the current version reads.
 *
 * <p>Locks: {@link #updateLock} serializes updates of a chunk (CRAQ holds it from applying an
 * update until it commits); updates must be called with it held. Readers take a striped read lock
 * while they touch a slot, and the switch takes the write lock, so a slot is never freed (and
 * reused) under a reader.
 */
public final class ChunkEngine implements AutoCloseable {
  /**
   * @param verifyReads check the block checksums of what every read returns
   * @param syncWrites fsync data and metadata before an update returns (else an update survives a
   *     process crash, not a machine crash)
   * @param capacityBytes slot bytes this target may use (0: as much as the disk holds)
   * @param reserveBytes disk space always left free
   */
  public record Config(
      boolean verifyReads, boolean syncWrites, long capacityBytes, long reserveBytes) {
    public static final Config DEFAULT = new Config(true, false, 0, 64L << 20);
  }

  private static final int UPDATE_LOCK_STRIPES = 4096;
  private static final int SLOT_LOCK_STRIPES = 256;
  private static final String CLEAN_PROPERTY = "clean-shutdown";

  private final DataStore data;
  private final MetaStore store;
  private final Config config;
  private final ConcurrentSkipListMap<ChunkId, ChunkMeta> metas = new ConcurrentSkipListMap<>();
  private final SlotAllocator slots = new SlotAllocator();
  private final SlotPins pins = new SlotPins();
  private final ChunkReads reads;
  private final ReentrantLock[] updateLocks = new ReentrantLock[UPDATE_LOCK_STRIPES];
  private final ReentrantReadWriteLock[] slotLocks = new ReentrantReadWriteLock[SLOT_LOCK_STRIPES];
  private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
  private final AtomicLong logicalBytes = new AtomicLong();
  private final LongAdder bytesWritten = new LongAdder();
  private final boolean openedClean;

  private ChunkEngine(DataStore data, MetaStore store, Config config) {
    this.data = data;
    this.store = store;
    this.config = config;
    for (int i = 0; i < updateLocks.length; i++) {
      updateLocks[i] = new ReentrantLock();
    }
    for (int i = 0; i < slotLocks.length; i++) {
      slotLocks[i] = new ReentrantReadWriteLock();
    }
    this.reads =
        new ChunkReads(data, allocator, metas, this::slotLock, pins, slots, config.verifyReads());
    store.forEach(
        meta -> {
          metas.put(meta.id(), meta);
          if (!meta.removed()) {
            slots.markUsed(meta.sizeClass(), meta.slot());
            logicalBytes.addAndGet(meta.length());
          }
        });
    openedClean = "true".equals(store.property(CLEAN_PROPERTY));
    store.putProperty(CLEAN_PROPERTY, "false", true);
  }

  /** Opens a target's chunks: loads every chunk's metadata and rebuilds the slot bitmaps. */
  public static ChunkEngine open(DataStore data, MetaStore store, Config config) {
    return new ChunkEngine(data, store, config);
  }

  /** Whether the previous run closed this engine (false after a crash, or on first open). */
  public boolean openedClean() {
    return openedClean;
  }

  /** The target's own properties (the storage service keeps its sync state there). */
  public MetaStore store() {
    return store;
  }

  /** The lock that serializes updates of {@code id}. */
  public ReentrantLock updateLock(ChunkId id) {
    return updateLocks[Math.floorMod(id.hashCode(), UPDATE_LOCK_STRIPES)];
  }

  private ReentrantReadWriteLock slotLock(ChunkId id) {
    return slotLocks[Math.floorMod(id.hashCode() * 31 + 7, SLOT_LOCK_STRIPES)];
  }

  /** The chunk's metadata, or null if this target does not hold it. */
  public ChunkMeta meta(ChunkId id) {
    return metas.get(id);
  }

  // ---- reads ----

  /**
   * The outcome of a read: the chunk's metadata (null if absent), the bytes (the caller owns them)
   * and their CRC32C.
   */
  public record Read(ChunkMeta meta, ByteBuf bytes, int checksum) {}

  /**
   * Reads bytes [offset, offset + length) of a chunk, clamped to its length; an absent chunk reads
   * as no bytes. Verifies the blocks it touches unless configured off: a mismatch answers
   * CHECKSUM_MISMATCH (counted) and returns nothing. A chunk whose latest update is not committed
   * answers CHUNK_NOT_COMMITTED unless {@code allowUncommitted}.
   */
  public Read read(ChunkId id, int offset, int length, boolean allowUncommitted) {
    return reads.read(id, offset, length, allowUncommitted);
  }

  /**
   * A read the client verifies: the whole 4 KiB blocks around the bytes asked for, chunk bytes
   * [start, end), with their stored checksums, either in a buffer ({@code bytes}) or as a range of
   * the data file to send as it is ({@code region}; the slot stays pinned until {@code release}
   * runs, exactly once). The asked-for bytes are [start + leading, end - trailing). No bytes
   * (absent chunk, empty range): both null.
   */
  public record BlockRead(
      ChunkMeta meta,
      int start,
      int end,
      int leading,
      int trailing,
      int[] checksums,
      ByteBuf bytes,
      DataStore.Region region,
      Runnable release) {}

  /**
   * Reads bytes [offset, offset + length) of a chunk (clamped to its length) without checking them:
   * the caller sends them with the blocks' stored checksums and the client checks, so the bytes
   * cross this server once, by sendfile when the store allows. Same status rules as {@link #read}.
   */
  public BlockRead readBlocks(ChunkId id, int offset, int length, boolean allowUncommitted) {
    return reads.readBlocks(id, offset, length, allowUncommitted);
  }

  /** One read of {@link #readBatch}. */
  public record BatchItem(ChunkId id, int offset, int length, boolean clientVerifies) {}

  /**
   * Many reads, their disk I/O submitted together (one io_uring submission for direct reads on
   * files); each outcome, in order, is a {@link Read}, a {@link BlockRead} (an item the client
   * verifies) or the StatusException that read failed with (same rules as {@link #read}).
   */
  public List<Object> readBatch(List<BatchItem> items, boolean allowUncommitted) {
    return reads.readBatch(items, allowUncommitted);
  }

  /** Reads and checks every block of a chunk; false if the data does not match its checksums. */
  public boolean verify(ChunkId id) {
    return reads.verify(id);
  }

  /**
   * Whether a read whose client asked to check the blocks itself ({@code asked}) is answered that
   * way ({@link #readBlocks}, or a {@link BlockRead} from {@link #readBatch}): only when reads are
   * verified at all; otherwise it is a plain {@link #read}.
   */
  public boolean clientChecks(boolean asked) {
    return reads.clientChecks(asked);
  }

  /** Slots pinned by reads still being sent (tests). */
  int pinnedSlots() {
    return pins.size();
  }

  /** The whole content of a chunk (for replication repair and resync); owned by the caller. */
  public Read readAll(ChunkId id) {
    ChunkMeta meta = metas.get(id);
    return read(id, 0, meta == null ? 0 : meta.length(), true);
  }

  // ---- updates: the caller holds updateLock(id) ----

  /** What identifies an update in the chunk's meta. */
  public record Stamp(
      long version, long chainVersion, boolean commit, String clientId, long requestId) {
    public Stamp {
      clientId = clientId == null ? "" : clientId;
    }
  }

  private static int liveLength(ChunkMeta meta) {
    return meta == null || meta.removed() ? 0 : meta.length();
  }

  /**
   * Writes {@code bytes} (its readable bytes, not consumed) at {@code offset}, creating the chunk
   * if absent; the gap past the current end reads as zeros.
   */
  public ChunkMeta write(ChunkId id, int offset, ByteBuf bytes, int chunkSizeBytes, Stamp stamp) {
    int length = bytes.readableBytes();
    if (chunkSizeBytes <= 0 || chunkSizeBytes > SizeClasses.MAX_BYTES) {
      throw StatusException.invalidArgument(
          "chunk size must be 1 to " + SizeClasses.MAX_BYTES + " bytes, not " + chunkSizeBytes);
    }
    if (offset < 0 || (long) offset + length > chunkSizeBytes) {
      throw StatusException.invalidArgument(
          "write of ["
              + offset
              + ", "
              + ((long) offset + length)
              + ") does not fit a chunk of "
              + chunkSizeBytes
              + " bytes");
    }
    ChunkMeta old = metas.get(id);
    int oldLength = liveLength(old);
    int newLength = Math.max(oldLength, offset + length);
    ByteBuffer payload = bytes.nioBuffer(bytes.readerIndex(), length);
    try {
      if (old != null
          && !old.removed()
          && offset >= oldLength
          && newLength <= SizeClasses.bytes(old.sizeClass())
          && oldLength >= pins.pinnedEnd(old.sizeClass(), old.slot())) {
        // Append in place: past the current end, which no reader of the current version reads,
        // and past every range still being sent from the slot (an earlier, longer version's).
        int firstBlock = oldLength / BlockChecksums.BLOCK_BYTES;
        ByteBuf head = SlotIo.partialBlock(data, allocator, old, firstBlock);
        try {
          if (offset > oldLength) {
            SlotIo.writeZeros(data, old.sizeClass(), old.slot(), oldLength, offset - oldLength);
          }
          data.write(old.sizeClass(), old.slot(), offset, payload.duplicate());
          int[] blocks =
              java.util.Arrays.copyOf(old.blockChecksums(), BlockChecksums.blocks(newLength));
          SlotIo.recomputeBlocks(blocks, firstBlock, newLength, head, offset - oldLength, payload);
          bytesWritten.add(length);
          return install(id, old, old.sizeClass(), old.slot(), newLength, blocks, stamp);
        } finally {
          head.release();
        }
      }
      // Copy on write: the whole new content to a fresh slot.
      ByteBuf content = allocator.directBuffer(Math.max(newLength, 1));
      try {
        content.writeZero(newLength);
        if (oldLength > 0 && !(offset == 0 && length >= oldLength)) {
          data.read(old.sizeClass(), old.slot(), 0, content.nioBuffer(0, oldLength));
        }
        content.setBytes(offset, payload.duplicate());
        bytesWritten.add(length);
        return installCopy(id, old, content, newLength, stamp);
      } finally {
        content.release();
      }
    } catch (IOException e) {
      throw ioFailure(id, e);
    }
  }

  /** Cuts the chunk to {@code newLength} bytes, or extends it with zeros. */
  public ChunkMeta truncate(ChunkId id, int newLength, int chunkSizeBytes, Stamp stamp) {
    if (newLength < 0 || newLength > chunkSizeBytes || chunkSizeBytes > SizeClasses.MAX_BYTES) {
      throw StatusException.invalidArgument(
          "truncate to " + newLength + " bytes does not fit a chunk of " + chunkSizeBytes);
    }
    ChunkMeta old = metas.get(id);
    int oldLength = liveLength(old);
    if (newLength > oldLength) {
      return write(id, newLength, allocator.buffer(0), chunkSizeBytes, stamp);
    }
    try {
      if (old == null || old.removed()) {
        return installCopy(id, old, allocator.buffer(0), 0, stamp);
      }
      // Shrink in place: the slot keeps its bytes; only the metadata's length and last block
      // change.
      int blocksKept = BlockChecksums.blocks(newLength);
      int[] blocks = java.util.Arrays.copyOf(old.blockChecksums(), blocksKept);
      if (newLength % BlockChecksums.BLOCK_BYTES != 0) {
        int last = blocksKept - 1;
        ByteBuf tail = allocator.directBuffer(newLength - last * BlockChecksums.BLOCK_BYTES);
        try {
          int n = newLength - last * BlockChecksums.BLOCK_BYTES;
          data.read(
              old.sizeClass(), old.slot(), last * BlockChecksums.BLOCK_BYTES, tail.nioBuffer(0, n));
          tail.writerIndex(n);
          blocks[last] = Crc32c.of(tail.nioBuffer());
        } finally {
          tail.release();
        }
      }
      return install(id, old, old.sizeClass(), old.slot(), newLength, blocks, stamp);
    } catch (IOException e) {
      throw ioFailure(id, e);
    }
  }

  /** Replaces the whole chunk with {@code content} (readable bytes, not consumed). */
  public ChunkMeta replace(ChunkId id, ByteBuf content, Stamp stamp) {
    if (content.readableBytes() > SizeClasses.MAX_BYTES) {
      throw StatusException.invalidArgument(
          "a chunk holds at most " + SizeClasses.MAX_BYTES + " bytes");
    }
    try {
      return installCopy(id, metas.get(id), content.slice(), content.readableBytes(), stamp);
    } catch (IOException e) {
      throw ioFailure(id, e);
    }
  }

  /**
   * Removes the chunk: at once if {@code stamp.commit()}, else it reads as not committed until
   * {@link #commit}. Removing an absent chunk is a no-op (null).
   */
  public ChunkMeta remove(ChunkId id, Stamp stamp) {
    ChunkMeta old = metas.get(id);
    if (old == null) {
      return null;
    }
    if (stamp.commit()) {
      store.delete(id, config.syncWrites());
      switchMeta(id, old, null);
      return null;
    }
    ChunkMeta pending =
        new ChunkMeta(
            id,
            0,
            -1,
            0,
            stamp.version(),
            old.commitVersion(),
            stamp.chainVersion(),
            0,
            BlockChecksums.NONE,
            stamp.clientId(),
            stamp.requestId(),
            true);
    store.put(pending, config.syncWrites());
    switchMeta(id, old, pending);
    return pending;
  }

  /**
   * Commits update {@code version} of the chunk (a committed remove deletes it). Idempotent; a
   * version other than the pending one is ignored. Returns the meta after (null if none).
   */
  public ChunkMeta commit(ChunkId id, long version) {
    ChunkMeta meta = metas.get(id);
    if (meta == null || meta.updateVersion() != version || meta.committed()) {
      return meta;
    }
    if (meta.removed()) {
      store.delete(id, false);
      switchMeta(id, meta, null);
      return null;
    }
    // Not synced even in sync mode: a commit lost in a machine crash leaves the chunk pending, and
    // a target that crashed resyncs before serving again.
    ChunkMeta committed = meta.withCommit(version);
    store.put(committed, false);
    metas.put(id, committed);
    return committed;
  }

  /** Writes {@code content} (from index 0) to a fresh slot and installs it. */
  private ChunkMeta installCopy(ChunkId id, ChunkMeta old, ByteBuf content, int length, Stamp stamp)
      throws IOException {
    int sizeClass = SizeClasses.forLength(length);
    long slot = takeSlot(sizeClass);
    try {
      if (length > 0) {
        data.write(sizeClass, slot, 0, content.nioBuffer(0, length));
      }
      int[] blocks = BlockChecksums.of(content.nioBuffer(0, length));
      return install(id, old, sizeClass, slot, length, blocks, stamp);
    } catch (IOException | RuntimeException e) {
      slots.free(sizeClass, slot);
      throw e;
    }
  }

  /** Allocates a slot, refusing NO_SPACE if that needs disk the target may not use. */
  private long takeSlot(int sizeClass) throws IOException {
    long bytes = SizeClasses.bytes(sizeClass);
    synchronized (slots) {
      long slot = slots.peek(sizeClass);
      if (slots.grows(sizeClass, slot)) {
        if (config.capacityBytes() > 0 && slots.usedBytes() + bytes > config.capacityBytes()) {
          throw new StatusException(
              StatusCode.NO_SPACE,
              "target is full: "
                  + slots.usedBytes()
                  + " of "
                  + config.capacityBytes()
                  + " bytes used");
        }
        if (data.freeBytes() < bytes + config.reserveBytes()) {
          throw new StatusException(
              StatusCode.NO_SPACE,
              "disk is full: "
                  + data.freeBytes()
                  + " bytes free, "
                  + config.reserveBytes()
                  + " kept free");
        }
      }
      return slots.allocate(sizeClass);
    }
  }

  private ChunkMeta install(
      ChunkId id, ChunkMeta old, int sizeClass, long slot, int length, int[] blocks, Stamp stamp)
      throws IOException {
    if (config.syncWrites()) {
      data.sync();
    }
    long commitVersion = stamp.commit() ? stamp.version() : (old == null ? 0 : old.commitVersion());
    ChunkMeta meta =
        new ChunkMeta(
            id,
            sizeClass,
            slot,
            length,
            stamp.version(),
            commitVersion,
            stamp.chainVersion(),
            BlockChecksums.chunkChecksum(blocks, length),
            blocks,
            stamp.clientId(),
            stamp.requestId(),
            false);
    store.put(meta, config.syncWrites());
    switchMeta(id, old, meta);
    return meta;
  }

  /** Publishes {@code next} (null: gone) and frees the old slot once no reader can be on it. */
  private void switchMeta(ChunkId id, ChunkMeta old, ChunkMeta next) {
    ReentrantReadWriteLock.WriteLock lock = slotLock(id).writeLock();
    lock.lock();
    try {
      if (next == null) {
        metas.remove(id);
      } else {
        metas.put(id, next);
      }
    } finally {
      lock.unlock();
    }
    logicalBytes.addAndGet((long) liveLength(next) - liveLength(old));
    boolean oldHadSlot = old != null && !old.removed();
    boolean sameSlot =
        next != null
            && !next.removed()
            && oldHadSlot
            && next.sizeClass() == old.sizeClass()
            && next.slot() == old.slot();
    if (oldHadSlot && !sameSlot) {
      pins.free(old.sizeClass(), old.slot(), slots);
    }
  }

  private StatusException ioFailure(ChunkId id, IOException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    if (message.contains("No space left")) {
      return new StatusException(StatusCode.NO_SPACE, "disk is full writing chunk " + id);
    }
    return new StatusException(StatusCode.INTERNAL, "cannot write chunk " + id + ": " + message);
  }

  // ---- listing and space ----

  /** Chunks after {@code after} (null: from the first), in id order, at most {@code max}. */
  public List<ChunkMeta> list(ChunkId after, int max) {
    ConcurrentNavigableMap<ChunkId, ChunkMeta> view =
        after == null ? metas : metas.tailMap(after, false);
    List<ChunkMeta> out = new ArrayList<>(Math.min(max, 1024));
    for (ChunkMeta meta : view.values()) {
      if (out.size() >= max) {
        break;
      }
      out.add(meta);
    }
    return out;
  }

  /** Every chunk of an inode (all tracks), in index order. */
  public List<ChunkMeta> chunksOf(long inodeId) {
    ConcurrentNavigableMap<ChunkId, ChunkMeta> range =
        inodeId == -1L
            ? metas.tailMap(ChunkId.first(inodeId), true)
            : metas.subMap(ChunkId.first(inodeId), true, ChunkId.first(inodeId + 1), false);
    return new ArrayList<>(range.values());
  }

  /** Space of this target. */
  public record Space(
      long capacityBytes, long usedBytes, long freeBytes, long logicalBytes, long chunkCount) {}

  public Space space() {
    long used = slots.usedBytes();
    long diskFree;
    try {
      diskFree = Math.max(0, data.freeBytes() - config.reserveBytes());
    } catch (IOException e) {
      diskFree = 0;
    }
    long free =
        config.capacityBytes() > 0
            ? Math.min(diskFree, Math.max(0, config.capacityBytes() - used))
            : diskFree;
    return new Space(used + free, used, free, logicalBytes.get(), metas.size());
  }

  public long checksumMismatches() {
    return reads.checksumMismatches.sum();
  }

  public long bytesRead() {
    return reads.bytesRead.sum();
  }

  public long bytesWritten() {
    return bytesWritten.sum();
  }

  /** Closes cleanly: the next open knows no crash happened. */
  @Override
  public void close() {
    try {
      data.sync();
      store.putProperty(CLEAN_PROPERTY, "true", true);
    } catch (IOException e) {
      // not clean then: the next open resyncs
    } finally {
      store.close();
      try {
        data.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
    }
  }

  /** Drops this engine without marking it clean, as a crash would (tests). */
  public void crash() {
    store.close();
    try {
      data.close();
    } catch (IOException ignored) {
      // nothing more to do
    }
  }
}
