package io.j3fs.fuse.ops;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the open handles of one inode in this mount share: the length as this mount knows it (its
 * buffered and unreported writes can put it ahead of the metadata service's), and the handles, so a
 * read or truncate of the inode can first send what any of them buffered.
 *
 * <p>Thread-safe.
 */
public final class OpenInode {
  private final long inodeId;
  private final AtomicLong length;
  private final Set<OpenFile> handles = ConcurrentHashMap.newKeySet();

  /** Opens not yet released; the entry leaves the table at zero. Guarded by OpenFiles' map. */
  int opens;

  OpenInode(long inodeId, long length) {
    this.inodeId = inodeId;
    this.length = new AtomicLong(length);
  }

  public long inodeId() {
    return inodeId;
  }

  public long length() {
    return length.get();
  }

  /** A length seen elsewhere (the metadata service's, a write's end): the known length grows. */
  public void grow(long atLeast) {
    length.accumulateAndGet(atLeast, Math::max);
  }

  /** A truncate through this mount set the length. */
  public void truncated(long size) {
    length.set(size);
    handles.forEach(h -> h.truncated(size));
  }

  /** The handles open on this inode now. */
  public Iterable<OpenFile> handles() {
    return handles;
  }

  void add(OpenFile handle) {
    handles.add(handle);
  }

  void remove(OpenFile handle) {
    handles.remove(handle);
  }

  /** Sends the buffered writes of every handle and waits for them (before a read or truncate). */
  public void drainAll() {
    for (OpenFile h : handles) {
      if (h.dirty()) {
        h.drain();
      }
    }
  }

  /** Sends the buffered writes of every handle but {@code self}, and waits for them. */
  public void drainOthers(OpenFile self) {
    for (OpenFile h : handles) {
      if (h != self && h.dirty()) {
        h.drain();
      }
    }
  }

  public boolean anyDirty() {
    for (OpenFile h : handles) {
      if (h.dirty()) {
        return true;
      }
    }
    return false;
  }
}
