package io.j3fs.meta.gc;

import java.util.concurrent.atomic.AtomicLong;

/**
 * This instance's word to its GC that inodes may have been queued: operations that can queue one
 * (remove, a rename over an existing name) call {@link #queued} after their transaction commits, so
 * a GC that read {@link #mark} before a scan that found the queue empty knows, by a changed mark,
 * that it must look again. Raised after the commit on purpose: raised inside the transaction, a
 * scan could read the new mark yet miss the record not committed yet, and go idle past it.
 *
 * <p>Thread-safe. Per instance and in memory only: what other instances queue is seen by their own
 * GC, and by this one's rescan of an idle queue (see {@link GcWorker#IDLE_RESCAN_MS}).
 */
public final class GcHint {
  private final AtomicLong queued = new AtomicLong();

  /** Called after a transaction that may have queued an inode committed. */
  public void queued() {
    queued.incrementAndGet();
  }

  long mark() {
    return queued.get();
  }
}
