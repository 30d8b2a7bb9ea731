package io.j3fs.kv.spi;

/**
 * Writes to the reserved {@code 0xff} key range, which {@link io.j3fs.kv.Transaction#set} refuses.
 * Used only by the KV layer itself (commit-outcome records). Every engine's read-write transaction
 * implements it.
 */
public interface SystemKeyWriter {
  /**
   * Writes {@code key}, which must not exist when the transaction commits: if it does (or another
   * transaction writes it first), the commit fails with {@code TRANSACTION_CONFLICT}.
   */
  void insertSystemKey(byte[] key, byte[] value);

  void clearSystemRange(byte[] begin, byte[] end);
}
