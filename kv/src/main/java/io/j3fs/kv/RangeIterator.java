package io.j3fs.kv;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The result of a range read, fetched from the engine in batches as the caller iterates: a scan of
 * a million keys never holds a million keys in memory. Batches start small (a directory listing
 * often wants the first few entries) and grow. Closing releases nothing the transaction does not
 * release itself, so an unfinished iterator may simply be dropped.
 *
 * <p>Not thread-safe; used by the thread that uses its transaction.
 */
public interface RangeIterator extends Iterator<KeyValue> {
  /** Reads everything that is left into a list. */
  default List<KeyValue> toList() {
    List<KeyValue> out = new ArrayList<>();
    while (hasNext()) {
      out.add(next());
    }
    return out;
  }
}
