package io.j3fs.kv.rocksdb;

import java.nio.file.Path;

/**
 * Settings of the RocksDB engine.
 *
 * @param path directory of the database; created if missing
 * @param durability when a commit is acknowledged
 * @param blockCacheBytes shared block cache size
 * @param rowCacheBytes cache of point reads' results (key and value), in front of the table files:
 *     a metadata lookup is a few point reads (an entry, an inode), and one that hits here skips the
 *     file's index, filter and block search (0: none)
 * @param writeBufferBytes size of one memtable
 * @param maxTransactionAgeMs a transaction's reads fail with TRANSACTION_TOO_OLD after this long,
 *     so a forgotten transaction cannot pin old data forever
 * @param conflictWindowMs how long commits are remembered for conflict checks
 * @param maxHistoryEntries commits remembered for conflict checks, at most
 * @param maxHistoryBytes bytes of remembered write sets, at most
 */
public record RocksDbKvConfig(
    Path path,
    Durability durability,
    long blockCacheBytes,
    long rowCacheBytes,
    long writeBufferBytes,
    long maxTransactionAgeMs,
    long conflictWindowMs,
    int maxHistoryEntries,
    long maxHistoryBytes) {

  /** When a commit is acknowledged. */
  public enum Durability {
    /**
     * Default. The write-ahead log is fsynced before the commit returns: acknowledged commits
     * survive a process crash and a machine crash or power loss. Concurrent commits share one fsync
     * (group commit).
     */
    FSYNC,
    /**
     * The write-ahead log is written (to the OS) before the commit returns, but not fsynced:
     * acknowledged commits survive a process crash (kill -9), not a machine crash.
     */
    WAL
  }

  public RocksDbKvConfig {
    if (path == null) {
      throw new IllegalArgumentException("rocksdb path is required");
    }
    if (durability == null) {
      throw new IllegalArgumentException("rocksdb durability is required");
    }
    if (blockCacheBytes < 0 || rowCacheBytes < 0 || writeBufferBytes < 1 << 20) {
      throw new IllegalArgumentException(
          "rocksdb blockCacheBytes and rowCacheBytes must be >= 0 and writeBufferBytes >= 1 MiB");
    }
    if (maxTransactionAgeMs < 1
        || conflictWindowMs < 1
        || maxHistoryEntries < 1
        || maxHistoryBytes < 1) {
      throw new IllegalArgumentException(
          "rocksdb transaction age, window and history bounds must be positive");
    }
  }

  /** Defaults for a database at {@code path}. */
  public static RocksDbKvConfig at(Path path) {
    return new RocksDbKvConfig(
        path,
        Durability.FSYNC,
        256L << 20,
        64L << 20,
        64L << 20,
        5_000,
        5_000,
        200_000,
        256L << 20);
  }

  public RocksDbKvConfig withDurability(Durability newDurability) {
    return new RocksDbKvConfig(
        path,
        newDurability,
        blockCacheBytes,
        rowCacheBytes,
        writeBufferBytes,
        maxTransactionAgeMs,
        conflictWindowMs,
        maxHistoryEntries,
        maxHistoryBytes);
  }
}
