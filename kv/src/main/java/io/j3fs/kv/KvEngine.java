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
   * A commit that was made and may not be durable yet: the body's result, and a future that
   * completes when the commit is durable, or exceptionally ({@code COMMIT_UNKNOWN}) if the engine
   * cannot make it so (its fsync failed, or it closed first). Others may read the commit before.
   */
  record Deferred<T>(T value, java.util.concurrent.CompletableFuture<Void> durable) {}

  /**
   * Runs {@code body} once in a read-write transaction and commits it without waiting for the
   * commit to be durable: for a caller that must not block (an event loop) and answers when {@link
   * Deferred#durable()} completes. A retriable failure is thrown to the caller instead of being
   * retried, as from {@link #readOnce}; nothing was committed then. Engines whose commit is durable
   * when it returns answer with a completed future.
   */
  default <T> Deferred<T> runOnceDeferred(TxBody<T> body) {
    try (Transaction tx = begin()) {
      T value = body.apply(tx);
      tx.commit();
      return new Deferred<>(value, java.util.concurrent.CompletableFuture.completedFuture(null));
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
