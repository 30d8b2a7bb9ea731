package io.j3fs.kv.spi;

import io.j3fs.kv.KeyValue;
import java.util.List;

/**
 * How a {@link BufferedTransaction} reads committed data at its read version. Implemented by each
 * engine's transaction.
 */
public interface StoreReader {
  /** The committed value at the transaction's read version, or null. */
  byte[] storeGet(byte[] key, boolean snapshot);

  /**
   * Up to {@code limit} (at least 1) committed pairs in {@code [begin, end)}, ascending or
   * descending. Returning fewer than {@code limit} means the range is exhausted.
   */
  List<KeyValue> storeScan(byte[] begin, byte[] end, int limit, boolean reverse, boolean snapshot);
}
