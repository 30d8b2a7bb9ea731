package io.j3fs.kv;

/**
 * Reads at one consistent snapshot of the store (the transaction's read version), plus the
 * transaction's own writes when it has any.
 *
 * <p>Keys are byte arrays in unsigned lexicographic order. Range bounds are {@code [begin, end)}.
 * An empty {@code begin} means "from the first key". Arrays passed in are not kept after the call
 * returns unless written; arrays returned belong to the caller.
 *
 * <p>A transaction is used by one thread at a time. Once committed, cancelled or closed, every call
 * fails with {@link io.j3fs.common.status.StatusCode#TRANSACTION_FINISHED}.
 */
public interface ReadTransaction extends AutoCloseable {
  /** The value stored at {@code key}, or null if there is none. */
  byte[] get(byte[] key);

  /**
   * Key-value pairs with {@code begin <= key < end}, ascending, or descending when {@code reverse};
   * at most {@code limit} of them, where 0 means no limit. With {@code reverse} and a limit, the
   * last {@code limit} keys of the range come back, largest first.
   */
  RangeIterator getRange(byte[] begin, byte[] end, int limit, boolean reverse);

  default RangeIterator getRange(byte[] begin, byte[] end) {
    return getRange(begin, end, 0, false);
  }

  /**
   * A view of this transaction whose reads add no read conflicts: another transaction may change
   * what it read and this one still commits. For data the caller will re-validate or can tolerate
   * being stale (FoundationDB's snapshot reads). For a read-only transaction, the view behaves like
   * the transaction itself.
   */
  ReadTransaction snapshot();

  /**
   * Ends the transaction without committing (if it was not committed) and frees what it holds.
   * Idempotent.
   */
  @Override
  void close();
}
