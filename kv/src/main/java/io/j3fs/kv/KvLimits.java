package io.j3fs.kv;

/**
 * Size limits enforced identically by every engine, checked before anything is buffered or sent.
 *
 * <p>The key limit is set by PostgreSQL: a B-tree index entry must fit in about a third of an 8 KiB
 * page (2,704 bytes), so keys stop at 2 KiB on every engine to keep them interchangeable. Metadata
 * keys are far smaller (a directory entry key is at most 4 + 8 + 255 bytes).
 */
public final class KvLimits {
  /** Longest key, in bytes. Keys must also be non-empty. */
  public static final int MAX_KEY_BYTES = 2048;

  /** Largest value, in bytes (128 KiB). */
  public static final int MAX_VALUE_BYTES = 128 * 1024;

  /**
   * Total bytes of keys and values one transaction may write (FoundationDB's limit is also 10 MB).
   */
  public static final long MAX_TRANSACTION_WRITE_BYTES = 10L * 1000 * 1000;

  /**
   * Keys from this byte up are reserved for the KV layer's own records (commit-outcome records).
   * Users may read them but not write them; every j3fs key prefix is printable ASCII.
   */
  public static final int SYSTEM_KEY_FIRST_BYTE = 0xff;

  private KvLimits() {}
}
