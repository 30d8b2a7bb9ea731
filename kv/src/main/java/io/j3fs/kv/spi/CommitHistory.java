package io.j3fs.kv.spi;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The conflict resolver of the optimistic engines (FoundationDB's design): the write sets of recent
 * commits, by commit version. A transaction that read at version {@code r} may commit only if no
 * commit with version greater than {@code r} wrote a key or range it read.
 *
 * <p>Bounded: entries older than the window, or beyond the entry and byte caps, are dropped, and
 * transactions whose read version is older than what remains fail with {@code TRANSACTION_TOO_OLD}
 * (retriable) instead of being checked against an incomplete history.
 *
 * <p>Not thread-safe: called only under the owning engine's commit lock.
 */
public final class CommitHistory {
  private record Entry(long version, long commitNanos, KeyRanges writes, long retainedBytes) {}

  private final long windowNanos;
  private final int maxEntries;
  private final long maxBytes;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private long retainedBytes;

  /** Read versions below this cannot be validated. */
  private long oldestCheckableVersion;

  public CommitHistory(long windowNanos, int maxEntries, long maxBytes) {
    this.windowNanos = windowNanos;
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /** Fails unless a transaction that read {@code reads} at {@code readVersion} may commit now. */
  public void check(long readVersion, KeyRanges reads) {
    if (readVersion < oldestCheckableVersion) {
      throw new StatusException(
          StatusCode.TRANSACTION_TOO_OLD,
          "read version "
              + readVersion
              + " is older than the conflict window (oldest "
              + oldestCheckableVersion
              + ")");
    }
    if (reads.isEmpty()) {
      return;
    }
    // Newest first: only commits after readVersion matter, and those are at the tail.
    Iterator<Entry> newestFirst = entries.descendingIterator();
    while (newestFirst.hasNext()) {
      Entry entry = newestFirst.next();
      if (entry.version <= readVersion) {
        return;
      }
      if (entry.writes.intersects(reads)) {
        throw new StatusException(
            StatusCode.TRANSACTION_CONFLICT,
            "a transaction committed at version "
                + entry.version
                + " wrote keys this transaction read at version "
                + readVersion);
      }
    }
  }

  public void append(long version, long commitNanos, KeyRanges writes) {
    long bytes = writes.retainedBytes();
    entries.addLast(new Entry(version, commitNanos, writes, bytes));
    retainedBytes += bytes;
  }

  /**
   * Drops what is outside the window or over the caps.
   *
   * @return the oldest read version that can still be validated
   */
  public long trim(long nowNanos) {
    while (!entries.isEmpty()) {
      Entry oldest = entries.peekFirst();
      boolean expired = nowNanos - oldest.commitNanos > windowNanos;
      if (!expired && entries.size() <= maxEntries && retainedBytes <= maxBytes) {
        break;
      }
      entries.removeFirst();
      retainedBytes -= oldest.retainedBytes;
      // A reader at oldest.version saw this commit, so it needs no check against it.
      oldestCheckableVersion = oldest.version;
    }
    return oldestCheckableVersion;
  }

  public long oldestCheckableVersion() {
    return oldestCheckableVersion;
  }

  public int size() {
    return entries.size();
  }
}
