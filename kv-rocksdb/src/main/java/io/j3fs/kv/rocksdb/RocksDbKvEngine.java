package io.j3fs.kv.rocksdb;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.IsolationModel;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.kv.TxBody;
import io.j3fs.kv.spi.AbstractKvEngine;
import io.j3fs.kv.spi.CommitHistory;
import io.j3fs.kv.spi.KeyRanges;
import io.j3fs.kv.spi.OptimisticTransaction;
import io.j3fs.kv.spi.StoreReader;
import io.j3fs.kv.spi.WriteBuffer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded, durable engine. RocksDB stores the data; serializability comes from the same
 * read-set validation as the memory engine ({@link CommitHistory}), because RocksDB's own
 * optimistic transactions check only the keys read, not the ranges, so they let phantoms through.
 *
 * <p>A transaction reads from a RocksDB snapshot taken together with its read version (both under
 * the commit lock, so the snapshot holds exactly the commits up to that version). Writes are
 * buffered and applied at commit as one {@link WriteBatch}: under the commit lock, validate, write
 * to the memtable and write-ahead log, publish the version. With {@link
 * RocksDbKvConfig.Durability#FSYNC} the committer then waits, outside the lock, for a WAL fsync
 * that covers its write; concurrent committers share one fsync. A reader may therefore see a commit
 * a few microseconds before its committer is told it is durable, but never one that is lost unless
 * the machine crashes within that window and the committer never heard success.
 *
 * <p>{@link #runOnceDeferred} commits the same way but returns before the fsync, with a future: a
 * thread of the engine's own (the WAL syncer, started by the first such commit) syncs the WAL while
 * deferred commits wait, and completes each future once a sync covers it, outside the monitor. A
 * sync made by a waiting committer covers deferred commits too; both take turns by {@code syncing}.
 *
 * <p>An fsync failure leaves the engine failed (every later call answers UNAVAILABLE): after a
 * failed fsync the kernel may have dropped the dirty pages, so nothing written since can be trusted
 * to be on disk.
 */
public final class RocksDbKvEngine extends AbstractKvEngine {
  private static final Logger log = LoggerFactory.getLogger(RocksDbKvEngine.class);

  static {
    RocksDB.loadLibrary();
  }

  private final RocksDbKvConfig config;
  private final LRUCache blockCache;
  private final LRUCache rowCache;
  private final BloomFilter bloomFilter;
  private final Options options;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final CommitHistory history;
  private final ReentrantLock commitLock = new ReentrantLock();
  private final long maxTransactionAgeNanos;

  /** Latest committed version; written only under {@link #commitLock}. */
  private volatile long committedVersion;

  /** Native calls in progress; {@link #close()} waits for them before freeing native objects. */
  private final LongAdder nativeCalls = new LongAdder();

  private volatile boolean closed;
  private volatile String failure;

  /** Obsolete WAL files kept for reuse. */
  static final int RECYCLED_WAL_FILES = 2;

  private final Object syncMonitor = new Object();
  private long syncedVersion; // guarded by syncMonitor
  private boolean syncing; // guarded by syncMonitor

  /** A deferred commit's wait for durability: done once the WAL is synced up to {@code version}. */
  private record Waiter(long version, CompletableFuture<Void> durable) {}

  /** Deferred commits not known durable yet (at most one per caller in flight). */
  private final List<Waiter> waiters = new ArrayList<>(); // guarded by syncMonitor

  /** The thread that syncs the WAL for deferred commits; started by the first one. */
  private Thread syncer; // guarded by syncMonitor

  private boolean stopSyncer; // guarded by syncMonitor

  public RocksDbKvEngine(RocksDbKvConfig config) {
    this(config, Clock.system());
  }

  public RocksDbKvEngine(RocksDbKvConfig config, Clock clock) {
    super(clock);
    this.config = config;
    this.maxTransactionAgeNanos = TimeUnit.MILLISECONDS.toNanos(config.maxTransactionAgeMs());
    this.history =
        new CommitHistory(
            TimeUnit.MILLISECONDS.toNanos(config.conflictWindowMs()),
            config.maxHistoryEntries(),
            config.maxHistoryBytes());
    try {
      Files.createDirectories(config.path());
    } catch (IOException e) {
      throw new StatusException(
          StatusCode.UNAVAILABLE,
          "cannot create rocksdb directory " + config.path() + ": " + e.getMessage(),
          e);
    }
    this.blockCache = new LRUCache(Math.max(1 << 20, config.blockCacheBytes()));
    this.rowCache = config.rowCacheBytes() == 0 ? null : new LRUCache(config.rowCacheBytes());
    this.bloomFilter = new BloomFilter(10);
    BlockBasedTableConfig table =
        new BlockBasedTableConfig()
            .setBlockCache(blockCache)
            .setFilterPolicy(bloomFilter)
            .setBlockSize(16 * 1024)
            .setCacheIndexAndFilterBlocks(true)
            // L0 files' filters stay pinned: a point read of a missing key (every create looks
            // up its new name and its request id) checks each L0 file's filter, and each check
            // was a block-cache lookup under a shard mutex.
            .setPinL0FilterAndIndexBlocksInCache(true);
    this.options =
        new Options()
            .setCreateIfMissing(true)
            .setTableFormatConfig(table)
            .setWriteBufferSize(config.writeBufferBytes())
            .setMaxBackgroundJobs(2)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setBytesPerSync(1 << 20)
            // A whole-key bloom filter in front of each memtable (2% of its size): a point read of
            // a missing key skips the skip-list search in the memtables it is not in.
            .setMemtablePrefixBloomSizeRatio(0.02)
            .setMemtableWholeKeyFiltering(true)
            // Reuse obsolete WAL files instead of deleting them and appending to new ones: an
            // fdatasync of an overwrite need not commit a file-size change to the file system's
            // journal, so each commit's WAL sync is cheaper (put + sync 135 -> 100 us here). Safe
            // with the default point-in-time recovery: records carry their log number, so what an
            // old file still holds past the new tail is never replayed.
            .setRecycleLogFileNum(RECYCLED_WAL_FILES);
    if (rowCache != null) {
      options.setRowCache(rowCache);
    }
    // Every write goes to the WAL (never disabled); fsync is done by syncUpTo so that committers
    // can share it.
    this.writeOptions = new WriteOptions().setSync(false).setDisableWAL(false);
    try {
      this.db = RocksDB.open(options, config.path().toString());
    } catch (RocksDBException e) {
      writeOptions.close();
      options.close();
      bloomFilter.close();
      blockCache.close();
      if (rowCache != null) {
        rowCache.close();
      }
      throw new StatusException(
          StatusCode.UNAVAILABLE,
          "cannot open rocksdb at " + config.path() + ": " + describe(e),
          e);
    }
    log.info("opened rocksdb engine at {} (durability {})", config.path(), config.durability());
  }

  /** Reads come from the memtable, the block cache or the local SST files. */
  @Override
  public boolean localReads() {
    return true;
  }

  @Override
  public String name() {
    return "rocksdb";
  }

  @Override
  public IsolationModel isolationModel() {
    return IsolationModel.OPTIMISTIC_READ_VALIDATION;
  }

  /**
   * A commit either returns after its batch is in the WAL or throws before anything was applied.
   */
  @Override
  protected boolean mayLoseCommitOutcome() {
    return false;
  }

  @Override
  public Transaction begin() {
    return new RocksTransaction(false);
  }

  @Override
  public ReadTransaction beginRead() {
    return new RocksTransaction(true);
  }

  @Override
  public <T> Deferred<T> runOnceDeferred(TxBody<T> body) {
    RocksTransaction tx = new RocksTransaction(false);
    tx.deferDurability = true;
    try (tx) {
      T value = body.apply(tx);
      tx.commit();
      return new Deferred<>(
          value,
          tx.version == 0 ? CompletableFuture.completedFuture(null) : durableAfter(tx.version));
    }
  }

  /** A future completed once the WAL is synced up to {@code version} (a committed version). */
  private CompletableFuture<Void> durableAfter(long version) {
    if (config.durability() != RocksDbKvConfig.Durability.FSYNC) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> durable = new CompletableFuture<>();
    synchronized (syncMonitor) {
      if (syncedVersion >= version) {
        return CompletableFuture.completedFuture(null);
      }
      if (stopSyncer || failure != null) {
        durable.completeExceptionally(notDurable());
        return durable;
      }
      waiters.add(new Waiter(version, durable));
      if (syncer == null) {
        syncer = Thread.ofPlatform().daemon().name("rocksdb-wal-sync").start(this::syncLoop);
      }
      syncMonitor.notifyAll();
    }
    return durable;
  }

  private StatusException notDurable() {
    return new StatusException(
        StatusCode.COMMIT_UNKNOWN,
        failure != null
            ? "committed, but not known durable: rocksdb engine failed: " + failure
            : "committed, but the rocksdb engine closed before its WAL sync");
  }

  /**
   * The WAL syncer: while deferred commits wait, syncs the WAL (taking turns with committers that
   * sync themselves) and completes the futures each sync covers. Stops when the engine closes; its
   * last waiters are then answered by {@link #close()}.
   */
  private void syncLoop() {
    while (true) {
      List<Waiter> covered;
      boolean mustSync;
      synchronized (syncMonitor) {
        while (!stopSyncer && (waiters.isEmpty() || syncing)) {
          try {
            syncMonitor.wait();
          } catch (InterruptedException e) {
            // only close() stops this thread, by stopSyncer
          }
        }
        if (stopSyncer) {
          return;
        }
        covered = takeWaiters(syncedVersion); // a committer's own sync may have covered some
        mustSync = !waiters.isEmpty();
        syncing = mustSync; // this thread's turn
      }
      complete(covered, null);
      if (!mustSync) {
        continue;
      }
      long upTo = committedVersion; // every commit up to here has its batch in the WAL
      StatusException failed = null;
      try {
        enterNative();
        try {
          db.syncWal();
        } finally {
          exitNative();
        }
      } catch (RocksDBException e) {
        failure = "WAL fsync failed: " + describe(e);
        log.error("rocksdb engine at {} failed: {}", config.path(), failure);
        failed = notDurable();
      } catch (StatusException e) {
        failed = notDurable(); // failed or closed meanwhile
      }
      synchronized (syncMonitor) {
        syncing = false;
        if (failed == null) {
          syncedVersion = Math.max(syncedVersion, upTo);
          covered = takeWaiters(syncedVersion);
        } else if (failure != null) {
          covered = takeWaiters(Long.MAX_VALUE); // nothing will be durable any more
        } else {
          covered = List.of(); // closing: close() syncs once more and answers them
        }
        syncMonitor.notifyAll();
      }
      complete(covered, failed);
    }
  }

  /** Removes and returns the waiters at or below {@code version}; under syncMonitor. */
  private List<Waiter> takeWaiters(long version) {
    if (waiters.isEmpty()) {
      return List.of();
    }
    List<Waiter> out = new ArrayList<>();
    waiters.removeIf(
        w -> {
          if (w.version() <= version) {
            out.add(w);
            return true;
          }
          return false;
        });
    return out;
  }

  private static void complete(List<Waiter> covered, StatusException failed) {
    for (Waiter w : covered) {
      if (failed == null) {
        w.durable().complete(null);
      } else {
        w.durable().completeExceptionally(failed);
      }
    }
  }

  @Override
  public void close() {
    commitLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      commitLock.unlock();
    }
    Thread stopping;
    synchronized (syncMonitor) {
      stopSyncer = true;
      stopping = syncer;
      syncMonitor.notifyAll();
    }
    if (stopping != null) {
      try {
        stopping.join(); // it stops at the end of a sync in progress
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    while (nativeCalls.sum() != 0) {
      Thread.onSpinWait();
    }
    boolean synced = false;
    try {
      db.syncWal();
      synced = true;
    } catch (RocksDBException e) {
      log.warn("final WAL sync of {} failed: {}", config.path(), describe(e));
    }
    List<Waiter> left;
    synchronized (syncMonitor) {
      left = takeWaiters(Long.MAX_VALUE);
    }
    // every deferred commit is in the WAL that was just synced (no commit after `closed`)
    complete(left, synced && failure == null ? null : notDurable());
    db.close();
    writeOptions.close();
    options.close();
    bloomFilter.close();
    blockCache.close();
    if (rowCache != null) {
      rowCache.close();
    }
    log.info("closed rocksdb engine at {}", config.path());
  }

  /** Enters a native call; pair with {@link #exitNative()} in a finally block. */
  private void enterNative() {
    nativeCalls.increment();
    if (closed || failure != null) {
      nativeCalls.decrement();
      throw new StatusException(
          StatusCode.UNAVAILABLE,
          failure != null ? "rocksdb engine failed: " + failure : "rocksdb engine is closed");
    }
  }

  private void exitNative() {
    nativeCalls.decrement();
  }

  private static String describe(RocksDBException e) {
    Status status = e.getStatus();
    return status == null
        ? String.valueOf(e.getMessage())
        : status.getCodeString() + " " + e.getMessage();
  }

  private static StatusException storageError(String what, RocksDBException e) {
    Status status = e.getStatus();
    if (status != null
        && status.getCode() == Status.Code.IOError
        && String.valueOf(e.getMessage()).contains("No space")) {
      return new StatusException(StatusCode.NO_SPACE, what + ": disk full: " + describe(e), e);
    }
    return new StatusException(StatusCode.INTERNAL, what + ": " + describe(e), e);
  }

  /**
   * Waits until the WAL is fsynced at least up to {@code version}; one fsync covers every commit
   * written before it.
   */
  private void syncUpTo(long version) {
    synchronized (syncMonitor) {
      while (syncedVersion < version && syncing) {
        try {
          syncMonitor.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StatusException(
              StatusCode.COMMIT_UNKNOWN, "interrupted while waiting for the WAL fsync");
        }
      }
      if (syncedVersion >= version) {
        return;
      }
      syncing = true;
    }
    long covered =
        committedVersion; // every commit up to here has written its batch to the WAL already
    boolean synced = false;
    try {
      enterNative(); // may throw (failed or closed): the turn is given back below all the same
      try {
        db.syncWal();
        synced = true;
      } finally {
        exitNative();
      }
    } catch (RocksDBException e) {
      failure = "WAL fsync failed: " + describe(e);
      log.error("rocksdb engine at {} failed: {}", config.path(), failure);
      throw new StatusException(StatusCode.COMMIT_UNKNOWN, failure, e);
    } finally {
      synchronized (syncMonitor) {
        syncing = false;
        if (synced) {
          syncedVersion = Math.max(syncedVersion, covered);
        }
        syncMonitor.notifyAll();
      }
    }
  }

  private final class RocksTransaction extends OptimisticTransaction {
    private final RocksReader reader;

    /** Commit without waiting for the WAL sync ({@link #runOnceDeferred}). */
    boolean deferDurability;

    /** The version this transaction committed as (0 until it commits writes). */
    long version;

    RocksTransaction(boolean readOnly) {
      this(readOnly, new RocksReader());
    }

    private RocksTransaction(boolean readOnly, RocksReader reader) {
      super(reader, readOnly);
      this.reader = reader;
    }

    @Override
    protected void commitWrites(WriteBuffer writes) {
      KeyRanges writeSet = writes.writeRanges();
      KeyRanges readSet = readSet();
      // A cleared range is written as a delete of each key it holds when the commit is applied
      // (RocksDB's range deletion cannot stand beside the row cache), so the keys are read under
      // the commit lock, where no other commit adds one; the points come after them, since the
      // last write of a key in a batch wins. Without ranges the batch is built before taking the
      // lock, which then covers only validation and the write itself.
      boolean clearsRanges = writes.rangeCount() > 0;
      long version;
      try (WriteBatch batch = new WriteBatch()) {
        if (!clearsRanges) {
          addPoints(batch, writes);
        }
        commitLock.lock();
        try {
          enterNative();
          try {
            long now = clock.monotonicNanos();
            history.trim(now);
            history.check(reader.readVersion, readSet);
            if (clearsRanges) {
              writes.forEachRange((begin, end) -> deleteEachKey(batch, begin, end));
              addPoints(batch, writes);
            }
            db.write(writeOptions, batch);
            version = committedVersion + 1;
            history.append(version, now, writeSet);
            committedVersion = version;
          } catch (RocksDBException e) {
            throw storageError("commit failed", e);
          } finally {
            exitNative();
          }
        } finally {
          commitLock.unlock();
        }
      }
      this.version = version;
      if (config.durability() == RocksDbKvConfig.Durability.FSYNC && !deferDurability) {
        syncUpTo(version);
      }
    }

    @Override
    protected void release() {
      reader.release();
    }
  }

  private static void addPoints(WriteBatch batch, WriteBuffer writes) {
    writes.forEachPoint(
        (key, value) -> {
          try {
            if (value == null) {
              batch.delete(key);
            } else {
              batch.put(key, value);
            }
          } catch (RocksDBException e) {
            throw storageError("cannot build write batch", e);
          }
        });
  }

  /** Adds a delete of every key now in {@code [begin, end)}; under the commit lock. */
  private void deleteEachKey(WriteBatch batch, byte[] begin, byte[] end) {
    try (Slice upper = new Slice(end);
        ReadOptions options = new ReadOptions().setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(options)) {
      for (it.seek(begin); it.isValid(); it.next()) {
        batch.delete(it.key());
      }
      it.status();
    } catch (RocksDBException e) {
      throw storageError("cannot clear a range", e);
    }
  }

  /** The version the WAL is known synced up to, for tests. */
  long syncedVersion() {
    synchronized (syncMonitor) {
      return syncedVersion;
    }
  }

  /** Bytes the row cache holds now (0 without one), for tests. */
  long rowCacheUsageBytes() {
    return rowCache == null ? 0 : rowCache.getUsage();
  }

  /** The database itself, for tests that look at RocksDB's own counters. */
  RocksDB database() {
    return db;
  }

  /** Reads at one snapshot; created and released with its transaction, used by its thread only. */
  private final class RocksReader implements StoreReader {
    private final long readVersion;
    private final long startNanos;
    private final Snapshot snapshot;
    private final ReadOptions readOptions;

    RocksReader() {
      commitLock.lock();
      try {
        enterNative();
        try {
          this.readVersion = committedVersion;
          this.snapshot = db.getSnapshot();
        } finally {
          exitNative();
        }
      } finally {
        commitLock.unlock();
      }
      this.startNanos = clock.monotonicNanos();
      this.readOptions = new ReadOptions().setSnapshot(snapshot).setFillCache(true);
    }

    private void checkAge() {
      long ageNanos = clock.monotonicNanos() - startNanos;
      if (ageNanos > maxTransactionAgeNanos) {
        throw new StatusException(
            StatusCode.TRANSACTION_TOO_OLD,
            "transaction is "
                + TimeUnit.NANOSECONDS.toMillis(ageNanos)
                + " ms old, over the limit of "
                + config.maxTransactionAgeMs()
                + " ms");
      }
    }

    @Override
    public byte[] storeGet(byte[] key, boolean snapshotRead) {
      checkAge();
      enterNative();
      try {
        return db.get(readOptions, key);
      } catch (RocksDBException e) {
        throw storageError("read failed", e);
      } finally {
        exitNative();
      }
    }

    @Override
    public List<KeyValue> storeScan(
        byte[] begin, byte[] end, int limit, boolean reverse, boolean snapshotRead) {
      checkAge();
      List<KeyValue> out = new ArrayList<>(Math.min(limit, 1024));
      enterNative();
      // Bounds on the iterator itself, not only the loop's checks: deleted keys stay in the
      // memtable and L0 as tombstones until compaction, and an unbounded seek skips every one of
      // them up to the next live key, far past the range (a range of closed write sessions or
      // collected GC records made each such scan walk thousands of tombstones).
      try (Slice lower = new Slice(begin);
          Slice upper = new Slice(end);
          ReadOptions bounded =
              new ReadOptions(readOptions).setIterateLowerBound(lower).setIterateUpperBound(upper);
          RocksIterator it = db.newIterator(bounded)) {
        if (reverse) {
          it.seekToLast(); // the last key below the upper bound
          while (out.size() < limit && it.isValid()) {
            byte[] key = it.key();
            if (Arrays.compareUnsigned(key, begin) < 0) {
              break;
            }
            out.add(new KeyValue(key, it.value()));
            it.prev();
          }
        } else {
          it.seek(begin);
          while (out.size() < limit && it.isValid()) {
            byte[] key = it.key();
            if (Arrays.compareUnsigned(key, end) >= 0) {
              break;
            }
            out.add(new KeyValue(key, it.value()));
            it.next();
          }
        }
        it.status();
      } catch (RocksDBException e) {
        throw storageError("range read failed", e);
      } finally {
        exitNative();
      }
      return out;
    }

    void release() {
      readOptions.close();
      nativeCalls.increment();
      try {
        if (!closed) {
          db.releaseSnapshot(snapshot);
        }
      } finally {
        nativeCalls.decrement();
      }
    }
  }
}
