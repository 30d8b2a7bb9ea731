package io.j3fs.fuse.ops;

import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.ListRsp;
import java.util.ArrayList;
import java.util.List;

/**
 * An open directory (a FUSE fh from OPENDIR) being read. Positions are what readdir offsets mean: 0
 * is ".", 1 is "..", 2 + k the k-th name in name order; an entry's offset is the position after it.
 * Only a window of names (one listing page) is held, so a directory of millions of names costs one
 * page of memory; a seek back before the window lists again from the start.
 *
 * <p>Thread-safe (the kernel serialises readdir per handle, but nothing relies on it).
 */
public final class DirHandle {
  /** Names fetched per listing call. */
  static final int PAGE = 1_024;

  /** Lists names after {@code after} (exclusive), at most {@code limit}. */
  public interface Lister {
    ListRsp list(String after, int limit);
  }

  private final long fh;
  private final long inodeId;
  private volatile long parentId = -1; // looked up when a listing first reaches ".."

  // Guarded by this.
  private List<DirEntry> window = new ArrayList<>();
  private long windowStart = 2;
  private boolean more = true;
  private String after = "";

  DirHandle(long fh, long inodeId) {
    this.fh = fh;
    this.inodeId = inodeId;
  }

  public long fh() {
    return fh;
  }

  public long inodeId() {
    return inodeId;
  }

  /** The parent directory's inode id, asked of {@code lookup} the first time. */
  public long parentId(java.util.function.LongUnaryOperator lookup) {
    long p = parentId;
    if (p < 0) {
      p = lookup.applyAsLong(inodeId);
      parentId = p;
    }
    return p;
  }

  /** Takes a first page the opener already fetched (its listing also checked permission). */
  public synchronized void prime(ListRsp first) {
    window = new ArrayList<>(first.getEntriesList());
    more = first.getMore();
    after = window.isEmpty() ? "" : window.getLast().getName();
  }

  /**
   * The name entry at {@code position} (2 or more), fetching pages as needed; null past the end.
   */
  public synchronized DirEntry at(long position, Lister lister) {
    if (position < windowStart) {
      window = new ArrayList<>();
      windowStart = 2;
      more = true;
      after = "";
    }
    while (position >= windowStart + window.size()) {
      if (!more) {
        return null;
      }
      // The listing may fail (interrupted, timed out): the window moves only once a page came.
      ListRsp page = lister.list(after, PAGE);
      List<DirEntry> next = new ArrayList<>(page.getEntriesList());
      windowStart += window.size();
      window = next;
      more = page.getMore() && !next.isEmpty();
      if (!next.isEmpty()) {
        after = next.getLast().getName();
      }
    }
    return window.get((int) (position - windowStart));
  }
}
