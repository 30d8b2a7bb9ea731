package io.j3fs.kv.spi;

/**
 * A transaction of an optimistic engine (memory, RocksDB): it records what it read, without
 * snapshot, as key ranges, and the engine validates them against {@link CommitHistory} at commit.
 */
public abstract class OptimisticTransaction extends BufferedTransaction {
  /** Null for read-only transactions, which are never validated. */
  private final ReadConflicts conflicts;

  protected OptimisticTransaction(StoreReader store, boolean readOnly) {
    super(store, readOnly);
    this.conflicts = readOnly ? null : new ReadConflicts();
  }

  @Override
  protected final void onRangeRead(byte[] begin, byte[] end, boolean snapshot) {
    if (!snapshot && conflicts != null) {
      // Copies: the caller may reuse its key arrays after the read returns.
      conflicts.add(begin.clone(), end.clone());
    }
  }

  @Override
  protected final void onExplicitReadConflict(byte[] begin, byte[] end) {
    conflicts.add(begin.clone(), end.clone());
  }

  /** What this transaction read, for validation at commit. */
  protected final KeyRanges readSet() {
    return conflicts.toRanges();
  }
}
