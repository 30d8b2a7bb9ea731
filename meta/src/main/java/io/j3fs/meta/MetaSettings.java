package io.j3fs.meta;

/**
 * Behaviour of the metadata service that does not depend on where it runs.
 *
 * @param chainTableId the chain table new files take their chains from (default 1)
 * @param chunkSizeBytes default chunk size of new files (default 1 MiB)
 * @param stripeSize default number of chains a file spreads over (default 4, at most the table)
 * @param listPageSize entries in one list answer when the request names no limit (default 1000)
 * @param maxListPageSize most entries one list answer carries (default 10000)
 * @param gcDelayMs how long an unlinked inode waits before its chunks are removed (default 0)
 * @param idempotencyTtlMs how long the answer of a mutation is kept for its retries (3FS: 30 min)
 * @param dirLeaseMs how long a directory lease lasts without renewal (default 5000; 0: none is
 *     granted, so every unlink waits for its commit)
 */
public record MetaSettings(
    int chainTableId,
    int chunkSizeBytes,
    int stripeSize,
    int listPageSize,
    int maxListPageSize,
    long gcDelayMs,
    long idempotencyTtlMs,
    long dirLeaseMs) {
  public static final MetaSettings DEFAULT =
      new MetaSettings(1, 1 << 20, 4, 1_000, 10_000, 0, 30 * 60_000L, 5_000);

  public MetaSettings {
    if (Integer.bitCount(chunkSizeBytes) != 1
        || chunkSizeBytes < (64 << 10)
        || chunkSizeBytes > (64 << 20)) {
      throw new IllegalArgumentException(
          "chunk_size_bytes must be a power of two from 64 KiB to 64 MiB, got " + chunkSizeBytes);
    }
    if (stripeSize < 1 || stripeSize > 1024) {
      throw new IllegalArgumentException("stripe_size must be 1-1024, got " + stripeSize);
    }
    if (listPageSize < 1 || maxListPageSize < listPageSize) {
      throw new IllegalArgumentException("list page sizes must be positive and ordered");
    }
    if (dirLeaseMs != 0 && (dirLeaseMs < 1_000 || dirLeaseMs > 60_000)) {
      throw new IllegalArgumentException(
          "dir_lease_ms must be 0 (no leases) or 1000-60000, got " + dirLeaseMs);
    }
  }
}
