package io.j3fs.kv;

/**
 * An ordered, transactional key-value store, shaped like FoundationDB's API. Three engines
 * implement it: memory (tests, simulation), RocksDB (embedded, durable) and PostgreSQL (shared by
 * several processes). One conformance suite runs against all of them.
 *
 * <p>Thread-safe: many threads may begin and run transactions at once; each transaction is used by
 * one thread.
 */
public interface KvEngine extends AutoCloseable {
  /** A short name for logs and benchmark tables ("memory", "rocksdb", "postgres"). */
  String name();

  IsolationModel isolationModel();

  /** Begins a read-write transaction. The caller commits or closes it. */
  Transaction begin();

  /** Begins a read-only transaction at the latest committed version. The caller closes it. */
  ReadTransaction beginRead();

  /**
   * Runs {@code body} in a read-write transaction and commits it, retrying retriable failures
   * (conflicts, too-old, temporarily unavailable) with bounded attempts and exponential backoff as
   * {@code options} say. A body may run more than once, so it must not have effects outside the
   * transaction other than computing its result. Commit-unknown outcomes are handled as {@link
   * TxOptions#commitUnknown()} says.
   *
   * @throws io.j3fs.common.status.StatusException with the non-retriable status the body or commit
   *     raised, or {@code RETRIES_EXHAUSTED} (the last failure as its cause)
   */
  <T> T run(TxOptions options, TxBody<T> body);

  default <T> T run(TxBody<T> body) {
    return run(TxOptions.DEFAULT, body);
  }

  /**
   * Runs {@code body} in a read-only transaction, retrying retriable failures like {@link #run}.
   */
  <T> T read(ReadBody<T> body);

  /**
   * Runs {@code body} once in a read-only transaction: a retriable failure is thrown to the caller
   * instead of being retried (for a caller that must not wait, and retries elsewhere).
   */
  default <T> T readOnce(ReadBody<T> body) {
    try (ReadTransaction tx = beginRead()) {
      return body.apply(tx);
    }
  }

  /**
   * Whether a read transaction's reads never wait on anything but this machine's memory and local
   * disk (an embedded store), so that a short one may run on a transport's event loop. False for a
   * store reached over the network.
   */
  default boolean localReads() {
    return false;
  }

  /** Closes the engine. Transactions still open fail from now on. */
  @Override
  void close();
}
