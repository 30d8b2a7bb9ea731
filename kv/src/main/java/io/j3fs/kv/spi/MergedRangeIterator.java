package io.j3fs.kv.spi;

import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.RangeIterator;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;

/**
 * A range read that merges committed data, fetched from the store in growing batches, with the
 * transaction's own writes as they stood when the read began. A store batch that comes back full
 * covers the keys up to its last key; a short batch covers the rest of the range. Each covered span
 * is reported as read (for conflict detection) when it is fetched, which may be a little more than
 * the caller consumes: more conflicts, never fewer.
 */
final class MergedRangeIterator implements RangeIterator {
  private static final int FIRST_BATCH = 16;
  private static final int MAX_BATCH = 4096;

  private final BufferedTransaction tx;
  private final boolean snapshot;
  private final boolean reverse;
  private final int limit;
  private final WriteBuffer.RangeSnapshot clearedRanges;
  private final NavigableMap<byte[], byte[]> localPoints;
  private final Iterator<Map.Entry<byte[], byte[]>> localIterator;

  /** Forward: next store fetch starts here (inclusive). Reverse: fixed range begin. */
  private byte[] lowBound;

  /** Forward: fixed range end. Reverse: next store fetch ends here (exclusive). */
  private byte[] highBound;

  private boolean storeExhausted;
  private List<KeyValue> storeBatch = Collections.emptyList();
  private int storeIndex;
  private int batchSize = FIRST_BATCH;
  private Map.Entry<byte[], byte[]> localNext;
  private KeyValue storeNext;
  private int returned;

  MergedRangeIterator(
      BufferedTransaction tx,
      byte[] begin,
      byte[] end,
      int limit,
      boolean reverse,
      boolean snapshot) {
    this.tx = tx;
    this.snapshot = snapshot;
    this.reverse = reverse;
    this.limit = limit;
    this.lowBound = begin.clone();
    this.highBound = end.clone();
    this.clearedRanges = tx.writes().rangesSnapshot();
    this.localPoints = tx.writes().pointsIn(begin, end);
    this.localIterator =
        (reverse ? localPoints.descendingMap() : localPoints).entrySet().iterator();
    this.storeExhausted = ByteKeys.compare(begin, end) >= 0;
  }

  @Override
  public boolean hasNext() {
    if (limit > 0 && returned >= limit) {
      return false;
    }
    return peekLocal() != null || peekStore() != null;
  }

  @Override
  public KeyValue next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Map.Entry<byte[], byte[]> local = peekLocal();
    KeyValue stored = peekStore();
    KeyValue out;
    // Equal keys cannot meet here: store entries whose key has a local write were filtered out.
    if (local != null && (stored == null || before(local.getKey(), stored.key()))) {
      out = new KeyValue(local.getKey().clone(), local.getValue().clone());
      localNext = null;
    } else {
      out = stored;
      storeNext = null;
    }
    returned++;
    return out;
  }

  private boolean before(byte[] a, byte[] b) {
    int cmp = ByteKeys.compare(a, b);
    return reverse ? cmp > 0 : cmp < 0;
  }

  /** Next local set (tombstones skipped: they only hide store entries). */
  private Map.Entry<byte[], byte[]> peekLocal() {
    while (localNext == null && localIterator.hasNext()) {
      Map.Entry<byte[], byte[]> candidate = localIterator.next();
      if (candidate.getValue() != WriteBuffer.TOMBSTONE) {
        localNext = candidate;
      }
    }
    return localNext;
  }

  /** Next committed entry not overridden by a local write. */
  private KeyValue peekStore() {
    while (storeNext == null) {
      if (storeIndex < storeBatch.size()) {
        KeyValue candidate = storeBatch.get(storeIndex++);
        if (!localPoints.containsKey(candidate.key()) && !clearedRanges.contains(candidate.key())) {
          storeNext = candidate;
        }
      } else if (storeExhausted) {
        return null;
      } else {
        fetchBatch();
      }
    }
    return storeNext;
  }

  private void fetchBatch() {
    int want = batchSize;
    if (limit > 0) {
      // Local tombstones may hide some of what comes back, so this is a hint, not an exact count.
      want = Math.max(1, Math.min(want, limit - returned));
    }
    storeBatch = tx.readStoreRange(lowBound, highBound, want, reverse, snapshot);
    storeIndex = 0;
    batchSize = Math.min(MAX_BATCH, batchSize * 4);
    if (storeBatch.size() < want) {
      tx.onRangeRead(lowBound, highBound, snapshot);
      storeExhausted = true;
      return;
    }
    byte[] lastKey = storeBatch.getLast().key();
    if (reverse) {
      tx.onRangeRead(lastKey, highBound, snapshot);
      highBound = lastKey;
    } else {
      byte[] after = ByteKeys.keyAfter(lastKey);
      tx.onRangeRead(lowBound, after, snapshot);
      lowBound = after;
    }
    if (ByteKeys.compare(lowBound, highBound) >= 0) {
      storeExhausted = true;
    }
  }
}
