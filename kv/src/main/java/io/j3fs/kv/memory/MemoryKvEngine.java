package io.j3fs.kv.memory;

import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.IsolationModel;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.kv.spi.AbstractKvEngine;
import io.j3fs.kv.spi.CommitHistory;
import io.j3fs.kv.spi.KeyRanges;
import io.j3fs.kv.spi.OptimisticTransaction;
import io.j3fs.kv.spi.StoreReader;
import io.j3fs.kv.spi.WriteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory engine: multi-version, optimistic, for tests and the simulator. Nothing survives
 * {@link #close()}.
 *
 * <p>Each key holds a short list of (version, value) pairs. A transaction reads at the version
 * committed when it began. Commits are serialized by one lock: validate the read set against {@link
 * CommitHistory}, append the new versions, then publish the new committed version (readers never
 * see a half-applied commit because they ignore versions above their read version).
 *
 * <p>Old versions are pruned once they are below the conflict window's horizon; a transaction
 * reading below the horizon fails with {@code TRANSACTION_TOO_OLD}.
 */
public final class MemoryKvEngine extends AbstractKvEngine {
  /**
   * @param windowMs how long a transaction may run and still commit (FoundationDB uses 5 s)
   * @param maxHistoryEntries commits remembered for conflict checks, at most
   * @param maxHistoryBytes bytes of remembered write sets, at most
   */
  public record Config(long windowMs, int maxHistoryEntries, long maxHistoryBytes) {
    public static final Config DEFAULT = new Config(5_000, 200_000, 256L << 20);
  }

  private static final int SWEEP_EVERY_COMMITS = 256;
  private static final int SWEEP_KEYS = 256;

  private final ConcurrentSkipListMap<byte[], Versions> data =
      new ConcurrentSkipListMap<>(ByteKeys.ORDER);
  private final ReentrantLock commitLock = new ReentrantLock();
  private final CommitHistory history;

  /** Latest committed version; written only under {@link #commitLock}. */
  private volatile long committedVersion;

  /**
   * Readers below this version may find their versions pruned; written only under {@link
   * #commitLock}.
   */
  private volatile long horizon;

  private volatile boolean closed;
  private long commitsSinceSweep;
  private byte[] sweepCursor = ByteKeys.empty();

  public MemoryKvEngine() {
    this(Clock.system(), Config.DEFAULT);
  }

  public MemoryKvEngine(Clock clock, Config config) {
    super(clock);
    this.history =
        new CommitHistory(
            TimeUnit.MILLISECONDS.toNanos(config.windowMs()),
            config.maxHistoryEntries(),
            config.maxHistoryBytes());
  }

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public IsolationModel isolationModel() {
    return IsolationModel.OPTIMISTIC_READ_VALIDATION;
  }

  @Override
  protected boolean mayLoseCommitOutcome() {
    return false;
  }

  @Override
  public Transaction begin() {
    checkNotClosed();
    return new MemoryTransaction(false);
  }

  @Override
  public ReadTransaction beginRead() {
    checkNotClosed();
    return new MemoryTransaction(true);
  }

  @Override
  public void close() {
    closed = true;
  }

  private void checkNotClosed() {
    if (closed) {
      throw new StatusException(StatusCode.UNAVAILABLE, "memory engine is closed");
    }
  }

  /** Number of live keys (for tests of pruning). */
  int keyCountIncludingTombstones() {
    return data.size();
  }

  private final class MemoryTransaction extends OptimisticTransaction {
    private final long readVersion;

    MemoryTransaction(boolean readOnly) {
      this(readOnly, new Reader());
    }

    private MemoryTransaction(boolean readOnly, Reader reader) {
      super(reader, readOnly);
      reader.owner = this;
      this.readVersion = committedVersion;
    }

    @Override
    protected void commitWrites(WriteBuffer writes) {
      KeyRanges writeSet = writes.writeRanges();
      KeyRanges readSet = readSet();
      commitLock.lock();
      try {
        checkNotClosed();
        long now = clock.monotonicNanos();
        horizon = history.trim(now);
        history.check(readVersion, readSet);
        long version = committedVersion + 1;
        long pruneBelow = horizon;
        writes.forEachRange(
            (begin, end) -> {
              for (byte[] key : data.subMap(begin, true, end, false).keySet()) {
                appendVersion(key, version, null, pruneBelow);
              }
            });
        writes.forEachPoint((key, value) -> appendVersion(key, version, value, pruneBelow));
        history.append(version, now, writeSet);
        committedVersion = version;
        if (++commitsSinceSweep >= SWEEP_EVERY_COMMITS) {
          commitsSinceSweep = 0;
          sweep();
        }
      } finally {
        commitLock.unlock();
      }
    }

    @Override
    protected void release() {}

    void checkReadable() {
      checkNotClosed();
      if (readVersion < horizon) {
        throw new StatusException(
            StatusCode.TRANSACTION_TOO_OLD,
            "read version " + readVersion + " is below the pruning horizon " + horizon);
      }
    }
  }

  /** Reads committed data at the owning transaction's read version. */
  private final class Reader implements StoreReader {
    private MemoryTransaction owner;

    @Override
    public byte[] storeGet(byte[] key, boolean snapshot) {
      owner.checkReadable();
      Versions versions = data.get(key);
      byte[] value = versions == null ? null : versions.at(owner.readVersion);
      // Re-check: if pruning ran while we read, the horizon moved past us first (see
      // Versions.append).
      owner.checkReadable();
      return value == null ? null : value.clone();
    }

    @Override
    public List<KeyValue> storeScan(
        byte[] begin, byte[] end, int limit, boolean reverse, boolean snapshot) {
      owner.checkReadable();
      List<KeyValue> out = new ArrayList<>(Math.min(limit, 1024));
      if (ByteKeys.compare(begin, end) >= 0) {
        return out;
      }
      NavigableMap<byte[], Versions> range = data.subMap(begin, true, end, false);
      Iterator<Map.Entry<byte[], Versions>> entries =
          (reverse ? range.descendingMap() : range).entrySet().iterator();
      while (out.size() < limit && entries.hasNext()) {
        Map.Entry<byte[], Versions> entry = entries.next();
        byte[] value = entry.getValue().at(owner.readVersion);
        if (value != null) {
          out.add(new KeyValue(entry.getKey().clone(), value.clone()));
        }
      }
      owner.checkReadable();
      return out;
    }
  }

  /** Called under the commit lock. */
  private void appendVersion(byte[] key, long version, byte[] value, long pruneBelow) {
    Versions current = data.get(key);
    if (current == null) {
      if (value != null) {
        data.put(key, Versions.single(version, value));
      }
      return;
    }
    data.put(key, current.append(version, value, pruneBelow));
  }

  /**
   * Removes keys whose only remaining version is an old tombstone. Called under the commit lock;
   * bounded work.
   */
  private void sweep() {
    Iterator<Map.Entry<byte[], Versions>> entries =
        data.tailMap(sweepCursor, false).entrySet().iterator();
    int examined = 0;
    while (examined < SWEEP_KEYS && entries.hasNext()) {
      Map.Entry<byte[], Versions> entry = entries.next();
      examined++;
      sweepCursor = entry.getKey();
      if (entry.getValue().isDeadBelow(horizon)) {
        data.remove(entry.getKey(), entry.getValue());
      }
    }
    if (!entries.hasNext()) {
      sweepCursor = ByteKeys.empty();
    }
  }

  /** Immutable version list of one key, oldest first; a null value is a tombstone. */
  private record Versions(long[] versions, byte[][] values) {
    static Versions single(long version, byte[] value) {
      return new Versions(new long[] {version}, new byte[][] {value});
    }

    byte[] at(long readVersion) {
      for (int i = versions.length - 1; i >= 0; i--) {
        if (versions[i] <= readVersion) {
          return values[i];
        }
      }
      return null;
    }

    /**
     * A new list with {@code version} appended and versions no reader can need dropped: everything
     * older than the newest version at or below {@code pruneBelow}. Readers below {@code
     * pruneBelow} already fail their horizon check, because the horizon is published before any
     * pruning that depends on it.
     */
    Versions append(long version, byte[] value, long pruneBelow) {
      int keepFrom = 0;
      for (int i = versions.length - 1; i >= 0; i--) {
        if (versions[i] <= pruneBelow) {
          keepFrom = i;
          break;
        }
      }
      int kept = versions.length - keepFrom;
      long[] newVersions = Arrays.copyOfRange(versions, keepFrom, keepFrom + kept + 1);
      byte[][] newValues = Arrays.copyOfRange(values, keepFrom, keepFrom + kept + 1);
      newVersions[kept] = version;
      newValues[kept] = value;
      return new Versions(newVersions, newValues);
    }

    boolean isDeadBelow(long pruneBelow) {
      int last = versions.length - 1;
      return values[last] == null && versions[last] <= pruneBelow;
    }
  }
}
