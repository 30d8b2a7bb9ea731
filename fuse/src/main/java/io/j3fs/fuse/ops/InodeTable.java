package io.j3fs.fuse.ops;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The kernel's lookup counts: every reply that hands the kernel an inode (lookup, create, mkdir,
 * symlink, link, mknod, readdirplus) adds one, FORGET and BATCH_FORGET take away what the kernel
 * says it dropped. An inode with a count is one the kernel may still name in a request; at zero it
 * leaves the table. Node ids are inode ids, so the table needs no translation: it is the record of
 * what the kernel holds (for tests and metrics) and the place per-node state would live.
 *
 * <p>Thread-safe: handlers and the readers' inline forgets update it concurrently.
 */
public final class InodeTable {
  private final ConcurrentHashMap<Long, AtomicLong> counts = new ConcurrentHashMap<>();

  /** The kernel got one more reference to {@code nodeId}. */
  public void looked(long nodeId) {
    // inside compute: a concurrent forget must not drop the counter between lookup and increment
    counts.compute(
        nodeId,
        (k, count) -> {
          AtomicLong c = count == null ? new AtomicLong() : count;
          c.incrementAndGet();
          return c;
        });
  }

  /** The kernel dropped {@code n} references to {@code nodeId}. */
  public void forget(long nodeId, long n) {
    counts.computeIfPresent(nodeId, (k, count) -> count.addAndGet(-n) <= 0 ? null : count);
  }

  /** The references the kernel holds to {@code nodeId} (0 when forgotten). */
  public long count(long nodeId) {
    AtomicLong c = counts.get(nodeId);
    return c == null ? 0 : c.get();
  }

  /** Inodes the kernel holds references to. */
  public int size() {
    return counts.size();
  }
}
