package io.j3fs.fuse.ops;

import io.j3fs.common.time.Clock;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Attributes of directories this mount sent the kernel, to answer the kernel when it asks again
 * only because it dropped them itself.
 *
 * <p>Why: the kernel drops a directory's cached attributes whenever an entry is created or removed
 * in it (it assumes the directory's mtime changed), and with default_permissions its next path walk
 * through that directory asks for them again: one more metadata call per create and per unlink. In
 * j3fs an entry change never writes the directory's inode, so the answer is the one sent before.
 *
 * <p>Invariants: an answer from here is never older than the attribute timeout measured from when
 * it was fetched, so the kernel sees nothing staler than its own cache would have shown it had it
 * kept the attributes; and nothing fetched before this mount changed a directory (setattr, rename,
 * rmdir, xattrs: {@link #invalidate} or {@link #clear} first) is kept after that change, which the
 * generation number checks (such a change invalidates before its call and again after it, so a
 * fetch that overlapped it is not kept either). Only directories are kept: a file's length and
 * times change with writes. At most {@code maxEntries}, each dropped once past its timeout; when
 * full it starts over.
 *
 * <p>Thread-safe; every method holds the monitor for a map operation only.
 */
public final class DirAttrCache {
  /** A directory's attributes and how long they may still be shown. */
  public record Hit(Inode inode, long remainingMs) {}

  private record Entry(Inode inode, long fetchedNanos) {}

  private final Clock clock;
  private final long timeoutNanos;
  private final int maxEntries;
  private final Map<Long, Entry> byInode = new HashMap<>(); // guarded by this
  private long generation; // guarded by this; bumped by every invalidation

  public DirAttrCache(Clock clock, long attrTimeoutMs, int maxEntries) {
    this.clock = clock;
    this.timeoutNanos = attrTimeoutMs * 1_000_000L;
    this.maxEntries = maxEntries;
  }

  /**
   * Taken before fetching attributes; {@link #remember} keeps them only if nothing changed since.
   */
  public synchronized long stamp() {
    return generation;
  }

  /**
   * Keeps a directory's attributes fetched after {@code stamp} (now is taken as the fetch time,
   * later than the fetch itself: the window it opens ends no later than the kernel's).
   */
  public synchronized void remember(Inode inode, long stamp) {
    if (inode.getType() != InodeType.DIRECTORY || timeoutNanos <= 0 || stamp != generation) {
      return;
    }
    if (byInode.size() >= maxEntries && !byInode.containsKey(inode.getId())) {
      byInode.clear();
    }
    byInode.put(inode.getId(), new Entry(inode, clock.monotonicNanos()));
  }

  /** The directory's attributes if fetched within the attribute timeout, else null. */
  public synchronized Hit fresh(long inodeId) {
    Entry e = byInode.get(inodeId);
    if (e == null) {
      return null;
    }
    long remainingNanos = e.fetchedNanos() + timeoutNanos - clock.monotonicNanos();
    if (remainingNanos < 1_000_000L) {
      byInode.remove(inodeId);
      return null;
    }
    return new Hit(e.inode(), remainingNanos / 1_000_000L);
  }

  /**
   * Runs this mount's change of {@code inodeId} (setattr, an xattr): what is kept of it is dropped
   * before the call and again after it, so a fetch that overlapped the change is not kept either.
   */
  public <T> T changing(long inodeId, Supplier<T> change) {
    invalidate(inodeId);
    try {
      return change.get();
    } finally {
      invalidate(inodeId);
    }
  }

  /** The same for a change whose directory this mount does not know by id (rename, rmdir). */
  public <T> T changingAny(Supplier<T> change) {
    clear();
    try {
      return change.get();
    } finally {
      clear();
    }
  }

  /** This mount is about to change (or has changed) the inode. */
  public synchronized void invalidate(long inodeId) {
    generation++;
    byInode.remove(inodeId);
  }

  /** A change whose inode this mount does not know by id (rename, rmdir): forget everything. */
  public synchronized void clear() {
    generation++;
    byInode.clear();
  }

  public synchronized int size() {
    return byInode.size();
  }
}
