package io.j3fs.kv.spi;

import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.KvLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A transaction's uncommitted writes: point sets and clears, and cleared ranges.
 *
 * <p>Invariant: {@link #ranges} holds disjoint, non-touching {@code [begin, end)} intervals, and a
 * point entry always overrides any cleared range containing its key (clearing a range drops the
 * point entries inside it, so every point entry is newer than every range around it). Commit
 * therefore applies ranges first, then points.
 *
 * <p>Not thread-safe: owned by one transaction.
 */
public final class WriteBuffer {
  /** Marks a point entry as cleared; compared by identity, never handed out. */
  static final byte[] TOMBSTONE = new byte[0];

  private final TreeMap<byte[], byte[]> points = new TreeMap<>(ByteKeys.ORDER);
  private final TreeMap<byte[], byte[]> ranges = new TreeMap<>(ByteKeys.ORDER);
  private long writtenBytes;

  /** What the buffer knows about one key. */
  public enum Known {
    SET,
    CLEARED,
    UNKNOWN
  }

  public boolean isEmpty() {
    return points.isEmpty() && ranges.isEmpty();
  }

  public void set(byte[] key, byte[] value) {
    account(key.length + value.length);
    points.put(key.clone(), value.clone());
  }

  public void clear(byte[] key) {
    account(key.length);
    points.put(key.clone(), TOMBSTONE);
  }

  public void clearRange(byte[] begin, byte[] end) {
    if (ByteKeys.compare(begin, end) >= 0) {
      return;
    }
    account(begin.length + end.length);
    points.subMap(begin, true, end, false).clear();
    byte[] newBegin = begin.clone();
    byte[] newEnd = end.clone();
    // Merge with an interval that starts before and reaches into (or touches) the new one.
    Map.Entry<byte[], byte[]> before = ranges.floorEntry(newBegin);
    if (before != null && ByteKeys.compare(before.getValue(), newBegin) >= 0) {
      newBegin = before.getKey();
      if (ByteKeys.compare(before.getValue(), newEnd) > 0) {
        newEnd = before.getValue();
      }
      ranges.remove(before.getKey());
    }
    // Swallow intervals that start inside (or touch) the new one.
    while (true) {
      Map.Entry<byte[], byte[]> next = ranges.ceilingEntry(newBegin);
      if (next == null || ByteKeys.compare(next.getKey(), newEnd) > 0) {
        break;
      }
      if (ByteKeys.compare(next.getValue(), newEnd) > 0) {
        newEnd = next.getValue();
      }
      ranges.remove(next.getKey());
    }
    ranges.put(newBegin, newEnd);
  }

  public Known lookup(byte[] key) {
    byte[] value = points.get(key);
    if (value != null) {
      return value == TOMBSTONE ? Known.CLEARED : Known.SET;
    }
    return inClearedRange(key) ? Known.CLEARED : Known.UNKNOWN;
  }

  /** The buffered value of a key whose {@link #lookup} is {@link Known#SET}. */
  public byte[] value(byte[] key) {
    return points.get(key).clone();
  }

  public boolean inClearedRange(byte[] key) {
    Map.Entry<byte[], byte[]> range = ranges.floorEntry(key);
    return range != null && ByteKeys.compare(key, range.getValue()) < 0;
  }

  /** True if the buffer decides what a read of {@code key} from the store would return. */
  boolean overrides(byte[] key) {
    return points.containsKey(key) || inClearedRange(key);
  }

  /**
   * A copy of the point entries in {@code [begin, end)}, so a range read is unaffected by writes
   * made while it runs.
   */
  NavigableMap<byte[], byte[]> pointsIn(byte[] begin, byte[] end) {
    if (ByteKeys.compare(begin, end) >= 0) {
      return new TreeMap<>(ByteKeys.ORDER);
    }
    return new TreeMap<>(points.subMap(begin, true, end, false));
  }

  /** A copy of the cleared ranges, for the same reason. */
  WriteBuffer.RangeSnapshot rangesSnapshot() {
    return new RangeSnapshot(new TreeMap<>(ranges));
  }

  /** Cleared ranges, ascending: for commit, applied before {@link #forEachPoint}. */
  public void forEachRange(RangeConsumer consumer) {
    for (Map.Entry<byte[], byte[]> range : ranges.entrySet()) {
      consumer.accept(range.getKey(), range.getValue());
    }
  }

  /** Point writes, ascending; {@code value} is null for a cleared key. */
  public void forEachPoint(PointConsumer consumer) {
    for (Map.Entry<byte[], byte[]> point : points.entrySet()) {
      consumer.accept(point.getKey(), point.getValue() == TOMBSTONE ? null : point.getValue());
    }
  }

  /**
   * Every key range this buffer writes, as sorted disjoint {@code [begin, end)} pairs (a point key
   * {@code k} is {@code [k, k+0x00)}): the write set that conflict detection checks later readers
   * against.
   */
  public KeyRanges writeRanges() {
    List<byte[]> begins = new ArrayList<>(points.size() + ranges.size());
    List<byte[]> ends = new ArrayList<>(points.size() + ranges.size());
    for (byte[] key : points.keySet()) {
      begins.add(key);
      ends.add(ByteKeys.keyAfter(key));
    }
    for (Map.Entry<byte[], byte[]> range : ranges.entrySet()) {
      begins.add(range.getKey());
      ends.add(range.getValue());
    }
    return KeyRanges.normalize(begins, ends);
  }

  public int pointCount() {
    return points.size();
  }

  public int rangeCount() {
    return ranges.size();
  }

  private void account(long bytes) {
    writtenBytes += bytes;
    if (writtenBytes > KvLimits.MAX_TRANSACTION_WRITE_BYTES) {
      throw new StatusException(
          StatusCode.TRANSACTION_TOO_LARGE,
          "transaction writes "
              + writtenBytes
              + " bytes, over the limit of "
              + KvLimits.MAX_TRANSACTION_WRITE_BYTES);
    }
  }

  /** An immutable view of cleared ranges taken when a range read starts. */
  static final class RangeSnapshot {
    private final TreeMap<byte[], byte[]> ranges;

    RangeSnapshot(TreeMap<byte[], byte[]> ranges) {
      this.ranges = ranges;
    }

    boolean contains(byte[] key) {
      Map.Entry<byte[], byte[]> range = ranges.floorEntry(key);
      return range != null && ByteKeys.compare(key, range.getValue()) < 0;
    }
  }

  /** Receives one cleared range. */
  @FunctionalInterface
  public interface RangeConsumer {
    void accept(byte[] begin, byte[] end);
  }

  /** Receives one point write; value null means cleared. */
  @FunctionalInterface
  public interface PointConsumer {
    void accept(byte[] key, byte[] value);
  }
}
