package io.j3fs.kv;

/**
 * How {@link KvEngine#run} retries.
 *
 * @param maxAttempts attempts before giving up with {@code RETRIES_EXHAUSTED}; at least 1
 * @param initialBackoffMs wait after the first retriable failure; doubled after each, with jitter
 * @param maxBackoffMs cap on one wait
 * @param maxTotalMs give up once this much time has passed since the first attempt, whatever the
 *     count
 * @param commitUnknown what to do when a commit's outcome is lost
 */
public record TxOptions(
    int maxAttempts,
    long initialBackoffMs,
    long maxBackoffMs,
    long maxTotalMs,
    CommitUnknown commitUnknown) {

  /** What {@link KvEngine#run} does when a commit answers {@code COMMIT_UNKNOWN}. */
  public enum CommitUnknown {
    /**
     * Default. The retry loop writes a small outcome record (under the reserved {@code 0xff}
     * prefix) in each attempt of transactions on engines that can lose a commit's outcome. After an
     * unknown outcome, the next attempt reads the record first, in the same serializable
     * transaction: if the earlier attempt's record is there, that attempt committed and its result
     * is returned without running the body again; if not, the new attempt runs, and because both
     * attempts read and write the same record key, at most one of them can ever commit. Engines
     * that cannot lose an outcome (memory, RocksDB) write no record.
     */
    RESOLVE_WITH_RECORD,
    /**
     * The caller declares the body idempotent: applying it twice is the same as once, so just
     * retry.
     */
    RETRY_IDEMPOTENT,
    /** Give up and pass {@code COMMIT_UNKNOWN} to the caller. */
    FAIL
  }

  public static final TxOptions DEFAULT =
      new TxOptions(100, 1, 200, 60_000, CommitUnknown.RESOLVE_WITH_RECORD);

  public TxOptions {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    if (initialBackoffMs < 0 || maxBackoffMs < initialBackoffMs || maxTotalMs < 0) {
      throw new IllegalArgumentException(
          "backoff must satisfy 0 <= initialBackoffMs <= maxBackoffMs and maxTotalMs >= 0, got "
              + initialBackoffMs
              + "/"
              + maxBackoffMs
              + "/"
              + maxTotalMs);
    }
    if (commitUnknown == null) {
      throw new IllegalArgumentException("commitUnknown is required");
    }
  }

  public TxOptions withMaxAttempts(int attempts) {
    return new TxOptions(attempts, initialBackoffMs, maxBackoffMs, maxTotalMs, commitUnknown);
  }

  public TxOptions withCommitUnknown(CommitUnknown mode) {
    return new TxOptions(maxAttempts, initialBackoffMs, maxBackoffMs, maxTotalMs, mode);
  }
}
