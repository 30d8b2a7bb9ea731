package io.j3fs.kv.spi;

import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.RangeIterator;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import java.util.List;

/**
 * The part of a transaction every engine shares: argument checks, the write buffer with
 * read-your-writes, snapshot views, range merging and the finished-state rule. Engines supply
 * committed reads ({@link StoreReader}), what a read means for conflict detection ({@link
 * #onRangeRead}, {@link #onExplicitReadConflict}), the commit itself and the release of resources.
 *
 * <p>Not thread-safe: one thread uses a transaction at a time (see {@link ReadTransaction}).
 */
public abstract class BufferedTransaction implements Transaction, SystemKeyWriter {
  private enum State {
    OPEN,
    COMMITTED,
    CANCELLED
  }

  private static final byte[] SYSTEM_RANGE_BEGIN = {(byte) 0xff};

  private final WriteBuffer writes = new WriteBuffer();
  private final boolean readOnly;
  private final StoreReader store;
  private final SnapshotView snapshotView = new SnapshotView();
  private State state = State.OPEN;

  protected BufferedTransaction(StoreReader store, boolean readOnly) {
    this.store = store;
    this.readOnly = readOnly;
  }

  // ---- engine hooks ----

  /**
   * Called after a non-snapshot read covered {@code [begin, end)} of committed data (also for
   * snapshot reads, with {@code snapshot} set, so an engine may ignore them).
   */
  protected abstract void onRangeRead(byte[] begin, byte[] end, boolean snapshot);

  /** {@link #addReadConflictRange} after argument checks. */
  protected abstract void onExplicitReadConflict(byte[] begin, byte[] end);

  /**
   * Applies {@code writes} atomically or throws a {@link StatusException}. Called once, with a
   * non-empty buffer.
   */
  protected abstract void commitWrites(WriteBuffer writes);

  /**
   * True if the engine holds writes outside the buffer (its own form of {@link #insertSystemKey}).
   */
  protected boolean hasExtraWrites() {
    return false;
  }

  /** Frees snapshots, connections and the like. Called exactly once, after commit or on close. */
  protected abstract void release();

  // ---- reads ----

  @Override
  public byte[] get(byte[] key) {
    return read(key, false);
  }

  @Override
  public RangeIterator getRange(byte[] begin, byte[] end, int limit, boolean reverse) {
    return range(begin, end, limit, reverse, false);
  }

  @Override
  public ReadTransaction snapshot() {
    return readOnly ? this : snapshotView;
  }

  private byte[] read(byte[] key, boolean snapshot) {
    checkOpen();
    KeyChecks.checkKey(key);
    switch (writes.lookup(key)) {
      case SET:
        return writes.value(key);
      case CLEARED:
        return null;
      default:
        byte[] value = store.storeGet(key, snapshot);
        onRangeRead(key, ByteKeys.keyAfter(key), snapshot);
        return value;
    }
  }

  private RangeIterator range(
      byte[] begin, byte[] end, int limit, boolean reverse, boolean snapshot) {
    checkOpen();
    KeyChecks.checkRange(begin, end);
    KeyChecks.checkLimit(limit);
    return new MergedRangeIterator(this, begin, end, limit, reverse, snapshot);
  }

  /**
   * Store reads made by {@link MergedRangeIterator}, which outlives no check: the transaction must
   * still be open.
   */
  List<KeyValue> readStoreRange(
      byte[] begin, byte[] end, int limit, boolean reverse, boolean snapshot) {
    checkOpen();
    return store.storeScan(begin, end, limit, reverse, snapshot);
  }

  WriteBuffer writes() {
    return writes;
  }

  // ---- writes ----

  @Override
  public void set(byte[] key, byte[] value) {
    checkWritable();
    KeyChecks.checkWritableKey(key);
    KeyChecks.checkValue(key, value);
    writes.set(key, value);
  }

  /**
   * The optimistic engines' form: a serializable read of the key (so a concurrent writer of it
   * conflicts), then a set. Engines with native unique inserts override it.
   */
  @Override
  public void insertSystemKey(byte[] key, byte[] value) {
    checkSystemKey(key, value);
    if (get(key) != null) {
      throw new StatusException(
          StatusCode.TRANSACTION_CONFLICT,
          "system key " + ByteKeys.printable(key) + " already exists");
    }
    writes.set(key, value);
  }

  /** Checks for {@link #insertSystemKey}. */
  protected final void checkSystemKey(byte[] key, byte[] value) {
    checkWritable();
    KeyChecks.checkKey(key);
    if (!KeyChecks.isSystemKey(key)) {
      throw StatusException.invalidArgument("not a system key: " + ByteKeys.printable(key));
    }
    KeyChecks.checkValue(key, value);
  }

  @Override
  public void clearSystemRange(byte[] begin, byte[] end) {
    checkWritable();
    KeyChecks.checkRange(begin, end);
    writes.clearRange(begin, end);
  }

  @Override
  public void clear(byte[] key) {
    checkWritable();
    KeyChecks.checkWritableKey(key);
    writes.clear(key);
  }

  @Override
  public void clearRange(byte[] begin, byte[] end) {
    checkWritable();
    KeyChecks.checkRange(begin, end);
    if (ByteKeys.compare(end, SYSTEM_RANGE_BEGIN) > 0) {
      throw StatusException.invalidArgument(
          "range end "
              + ByteKeys.printable(end)
              + " reaches into the reserved range starting at 0xff");
    }
    writes.clearRange(begin, end);
  }

  @Override
  public void addReadConflictKey(byte[] key) {
    checkOpen();
    KeyChecks.checkKey(key);
    onExplicitReadConflict(key, ByteKeys.keyAfter(key));
  }

  @Override
  public void addReadConflictRange(byte[] begin, byte[] end) {
    checkOpen();
    KeyChecks.checkRange(begin, end);
    if (ByteKeys.compare(begin, end) < 0) {
      onExplicitReadConflict(begin, end);
    }
  }

  // ---- lifecycle ----

  @Override
  public void commit() {
    checkWritable();
    try {
      if (!writes.isEmpty() || hasExtraWrites()) {
        commitWrites(writes);
      }
      state = State.COMMITTED;
    } finally {
      if (state != State.COMMITTED) {
        state = State.CANCELLED;
      }
      release();
    }
  }

  @Override
  public void close() {
    if (state == State.OPEN) {
      state = State.CANCELLED;
      release();
    }
  }

  protected final boolean isOpen() {
    return state == State.OPEN;
  }

  protected final void checkOpen() {
    if (state != State.OPEN) {
      throw new StatusException(
          StatusCode.TRANSACTION_FINISHED,
          "transaction was already "
              + (state == State.COMMITTED ? "committed" : "cancelled or closed"));
    }
  }

  private void checkWritable() {
    checkOpen();
    if (readOnly) {
      throw StatusException.invalidArgument("cannot write in a read-only transaction");
    }
  }

  /**
   * The no-conflict view returned by {@link #snapshot()}; it shares the transaction's writes and
   * lifetime.
   */
  private final class SnapshotView implements ReadTransaction {
    @Override
    public byte[] get(byte[] key) {
      return read(key, true);
    }

    @Override
    public RangeIterator getRange(byte[] begin, byte[] end, int limit, boolean reverse) {
      return range(begin, end, limit, reverse, true);
    }

    @Override
    public ReadTransaction snapshot() {
      return this;
    }

    /** Closing the view closes nothing: the transaction that made it owns the lifetime. */
    @Override
    public void close() {}
  }
}
