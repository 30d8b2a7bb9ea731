package io.j3fs.kv;

/**
 * A read-write transaction: serializable, optimistic, with writes buffered until {@link #commit()}.
 *
 * <p>Reads see the transaction's own writes. Writes are validated when they are made (key and value
 * limits, reserved keys) so a bad write fails at the call that made it, never at commit.
 *
 * <p>Isolation: if another transaction that committed after this one began wrote something this one
 * read through a non-snapshot read (or declared with {@code addReadConflict*}), {@link #commit()}
 * fails with {@link io.j3fs.common.status.StatusCode#TRANSACTION_CONFLICT}. See {@link
 * IsolationModel} for the exact rule per engine; every engine prevents lost updates, write skew and
 * phantoms.
 */
public interface Transaction extends ReadTransaction {
  void set(byte[] key, byte[] value);

  void clear(byte[] key);

  /** Removes every key with {@code begin <= key < end}. */
  void clearRange(byte[] begin, byte[] end);

  /** Makes this transaction conflict with writes to {@code key} as if it had read it. */
  void addReadConflictKey(byte[] key);

  /**
   * Makes this transaction conflict with writes to {@code [begin, end)} as if it had read that
   * range.
   */
  void addReadConflictRange(byte[] begin, byte[] end);

  /**
   * Makes the writes durable and visible atomically, or fails with a status: {@code
   * TRANSACTION_CONFLICT} or {@code TRANSACTION_TOO_OLD} (nothing was written; retry), {@code
   * COMMIT_UNKNOWN} (the outcome was lost; see {@link KvEngine#run}), or another code. Either way
   * the transaction is finished afterwards.
   */
  void commit();
}
