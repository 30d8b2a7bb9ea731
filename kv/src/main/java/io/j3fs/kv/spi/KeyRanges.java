package io.j3fs.kv.spi;

import io.j3fs.common.bytes.ByteKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of key ranges, kept as sorted, disjoint {@code [begin, end)} intervals: read
 * sets and write sets for conflict detection.
 */
public final class KeyRanges {
  public static final KeyRanges EMPTY = new KeyRanges(new byte[0][], new byte[0][]);

  private final byte[][] begins;
  private final byte[][] ends;

  private KeyRanges(byte[][] begins, byte[][] ends) {
    this.begins = begins;
    this.ends = ends;
  }

  /** Sorts and merges possibly overlapping intervals; empty intervals are dropped. */
  public static KeyRanges normalize(List<byte[]> begins, List<byte[]> ends) {
    int n = begins.size();
    if (n == 0) {
      return EMPTY;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> ByteKeys.compare(begins.get(a), begins.get(b)));
    List<byte[]> outBegins = new ArrayList<>(n);
    List<byte[]> outEnds = new ArrayList<>(n);
    for (int index : order) {
      byte[] begin = begins.get(index);
      byte[] end = ends.get(index);
      if (ByteKeys.compare(begin, end) >= 0) {
        continue;
      }
      int last = outEnds.size() - 1;
      if (last >= 0 && ByteKeys.compare(begin, outEnds.get(last)) <= 0) {
        if (ByteKeys.compare(end, outEnds.get(last)) > 0) {
          outEnds.set(last, end);
        }
      } else {
        outBegins.add(begin);
        outEnds.add(end);
      }
    }
    return new KeyRanges(outBegins.toArray(new byte[0][]), outEnds.toArray(new byte[0][]));
  }

  public int size() {
    return begins.length;
  }

  public boolean isEmpty() {
    return begins.length == 0;
  }

  /** True if some interval of this set overlaps some interval of {@code other}. */
  public boolean intersects(KeyRanges other) {
    if (isEmpty() || other.isEmpty()) {
      return false;
    }
    // Walk the smaller set and binary-search the larger one: read sets are usually tiny, write sets
    // can be large.
    KeyRanges small = size() <= other.size() ? this : other;
    KeyRanges large = small == this ? other : this;
    for (int i = 0; i < small.begins.length; i++) {
      if (large.overlaps(small.begins[i], small.ends[i])) {
        return true;
      }
    }
    return false;
  }

  /** True if some interval overlaps {@code [begin, end)}. */
  public boolean overlaps(byte[] begin, byte[] end) {
    // First interval whose end is after begin: intervals are disjoint and sorted, so ends are
    // sorted too.
    int low = 0;
    int high = ends.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (ByteKeys.compare(ends[mid], begin) > 0) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low < begins.length && ByteKeys.compare(begins[low], end) < 0;
  }

  /** Approximate heap bytes held, for bounding conflict history. */
  public long retainedBytes() {
    long bytes = 32;
    for (int i = 0; i < begins.length; i++) {
      bytes += begins[i].length + ends[i].length + 40;
    }
    return bytes;
  }
}
