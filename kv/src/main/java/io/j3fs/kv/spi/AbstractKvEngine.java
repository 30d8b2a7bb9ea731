package io.j3fs.kv.spi;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.ReadBody;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.kv.TxBody;
import io.j3fs.kv.TxOptions;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry loops every engine shares: {@link #run} and {@link #read}, with bounded attempts,
 * exponential backoff with jitter, and commit-outcome records for engines that can lose a commit's
 * outcome (see {@link TxOptions.CommitUnknown#RESOLVE_WITH_RECORD}).
 */
public abstract class AbstractKvEngine implements KvEngine {
  private static final Logger log = LoggerFactory.getLogger(AbstractKvEngine.class);

  /**
   * Outcome records: this prefix, 8-byte big-endian wall-clock millis, 16 random bytes. Value: the
   * attempt id.
   */
  static final byte[] OUTCOME_PREFIX = {(byte) 0xff, 'o', 'u', 't', 'c', 'o', 'm', 'e', '/'};

  /**
   * Records older than this are cleared; far longer than any retry loop may run ({@link
   * TxOptions#maxTotalMs()}).
   */
  static final long OUTCOME_RETENTION_MS = TimeUnit.HOURS.toMillis(1);

  /**
   * One cleanup transaction per this many recorded commits keeps the record range small without a
   * thread.
   */
  static final long OUTCOME_CLEANUP_EVERY = 1024;

  private static final HexFormat HEX = HexFormat.of();

  protected final Clock clock;
  private final AtomicLong recordedCommits = new AtomicLong();

  protected AbstractKvEngine(Clock clock) {
    this.clock = clock;
  }

  /**
   * True if {@link Transaction#commit()} can fail with {@code COMMIT_UNKNOWN}: the commit was sent
   * somewhere and the answer may be lost. An embedded engine whose commit either returns or throws
   * before applying anything says false.
   */
  protected abstract boolean mayLoseCommitOutcome();

  @Override
  public <T> T run(TxOptions options, TxBody<T> body) {
    boolean useRecord =
        options.commitUnknown() == TxOptions.CommitUnknown.RESOLVE_WITH_RECORD
            && mayLoseCommitOutcome();
    byte[] recordKey = useRecord ? newOutcomeRecordKey() : null;
    // Results of attempts whose commit outcome was lost, by attempt id: one of them may turn out to
    // have committed.
    Map<String, T> unknownOutcomes = new HashMap<>();
    Backoff backoff = new Backoff(options);
    StatusException last = null;
    for (int attempt = 1; ; attempt++) {
      T result = null;
      byte[] attemptId = null;
      boolean committing = false;
      try (Transaction tx = begin()) {
        if (useRecord) {
          if (!unknownOutcomes.isEmpty()) {
            // A serializable read: it conflicts with an earlier attempt whose commit is still
            // landing.
            byte[] seen = tx.get(recordKey);
            if (seen != null) {
              String id = HEX.formatHex(seen);
              if (unknownOutcomes.containsKey(id)) {
                return unknownOutcomes.get(id);
              }
              throw new StatusException(
                  StatusCode.INTERNAL,
                  "outcome record holds attempt " + id + " which this call never made");
            }
          }
          // Insert-if-absent: of two attempts of this call, at most one can commit, whatever order
          // they land in.
          attemptId = new byte[16];
          ThreadLocalRandom.current().nextBytes(attemptId);
          ((SystemKeyWriter) tx).insertSystemKey(recordKey, attemptId);
        }
        result = body.apply(tx);
        committing = true;
        tx.commit();
        if (useRecord && recordedCommits.incrementAndGet() % OUTCOME_CLEANUP_EVERY == 0) {
          clearOldOutcomeRecords();
        }
        return result;
      } catch (StatusException e) {
        if (committing && e.code() == StatusCode.COMMIT_UNKNOWN) {
          switch (options.commitUnknown()) {
            case RETRY_IDEMPOTENT -> {}
            case RESOLVE_WITH_RECORD -> {
              if (!useRecord) {
                throw e;
              }
              unknownOutcomes.put(HEX.formatHex(attemptId), result);
            }
            case FAIL -> throw e;
          }
        } else if (!retriedByTheLoop(e)) {
          throw e;
        }
        retried(e.code());
        last = e;
      }
      if (!backoff.waitBeforeRetry(attempt)) {
        if (!unknownOutcomes.isEmpty()) {
          throw new StatusException(
              StatusCode.COMMIT_UNKNOWN,
              "gave up after "
                  + attempt
                  + " attempts with a commit outcome still unknown; last: "
                  + last,
              last);
        }
        throw new StatusException(
            StatusCode.RETRIES_EXHAUSTED,
            "gave up after " + attempt + " attempts; last: " + last,
            last);
      }
    }
  }

  @Override
  public <T> T read(ReadBody<T> body) {
    Backoff backoff = new Backoff(TxOptions.DEFAULT);
    for (int attempt = 1; ; attempt++) {
      StatusException failure;
      try (ReadTransaction tx = beginRead()) {
        return body.apply(tx);
      } catch (StatusException e) {
        if (!retriedByTheLoop(e)) {
          throw e;
        }
        retried(e.code());
        failure = e;
      }
      if (!backoff.waitBeforeRetry(attempt)) {
        throw new StatusException(
            StatusCode.RETRIES_EXHAUSTED,
            "gave up after " + attempt + " attempts; last: " + failure,
            failure);
      }
    }
  }

  /** Retried transactions by engine and cause (metric {@code j3fs.kv.retries}). */
  private void retried(StatusCode code) {
    io.micrometer.core.instrument.Metrics.counter(
            "j3fs.kv.retries", "engine", name(), "cause", code.name())
        .increment();
  }

  /**
   * The failures a transaction retry loop handles: the store's own (conflict, too old, unavailable,
   * busy). Other statuses, even retriable ones such as NOT_PRIMARY thrown by a body, belong to the
   * caller and pass through at once.
   */
  static boolean retriedByTheLoop(StatusException e) {
    return switch (e.code()) {
      case TRANSACTION_CONFLICT, TRANSACTION_TOO_OLD, UNAVAILABLE, BUSY -> true;
      default -> false;
    };
  }

  private byte[] newOutcomeRecordKey() {
    ByteBuffer key = ByteBuffer.allocate(OUTCOME_PREFIX.length + 8 + 16);
    key.put(OUTCOME_PREFIX).putLong(clock.wallMillis());
    byte[] random = new byte[16];
    ThreadLocalRandom.current().nextBytes(random);
    return key.put(random).array();
  }

  /**
   * Clears outcome records older than the retention; a failure is logged and left for the next
   * cleanup.
   */
  void clearOldOutcomeRecords() {
    byte[] end =
        ByteBuffer.allocate(OUTCOME_PREFIX.length + 8)
            .put(OUTCOME_PREFIX)
            .putLong(clock.wallMillis() - OUTCOME_RETENTION_MS)
            .array();
    try {
      run(
          TxOptions.DEFAULT
              .withMaxAttempts(5)
              .withCommitUnknown(TxOptions.CommitUnknown.RETRY_IDEMPOTENT),
          tx -> {
            ((SystemKeyWriter) tx).clearSystemRange(OUTCOME_PREFIX, end);
            return null;
          });
    } catch (StatusException e) {
      log.warn("{}: clearing old commit-outcome records failed: {}", name(), e.toString());
    }
  }

  /** Exponential backoff with full jitter, bounded by attempts and total time. */
  private final class Backoff {
    private final TxOptions options;
    private final long startNanos = clock.monotonicNanos();
    private long nextMs;

    Backoff(TxOptions options) {
      this.options = options;
      this.nextMs = options.initialBackoffMs();
    }

    /** Waits before attempt {@code attempt + 1}; false if the loop must stop instead. */
    boolean waitBeforeRetry(int attempt) {
      long elapsedMs = (clock.monotonicNanos() - startNanos) / 1_000_000L;
      if (attempt >= options.maxAttempts() || elapsedMs >= options.maxTotalMs()) {
        return false;
      }
      long waitMs = nextMs == 0 ? 0 : ThreadLocalRandom.current().nextLong(nextMs + 1);
      nextMs = Math.min(options.maxBackoffMs(), Math.max(1, nextMs * 2));
      if (waitMs > 0) {
        try {
          Thread.sleep(waitMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StatusException(
              StatusCode.CANCELLED, "interrupted while backing off before a retry");
        }
      }
      return true;
    }
  }
}
