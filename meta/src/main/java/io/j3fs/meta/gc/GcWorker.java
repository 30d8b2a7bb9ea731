package io.j3fs.meta.gc;

import io.j3fs.common.id.InodeId;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.RangeIterator;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.ops.DirLeases;
import io.j3fs.meta.store.MetaKeys;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.store.DirEntryRecord;
import io.j3fs.proto.meta.store.DirLeaseRecord;
import io.j3fs.proto.meta.store.GcRecord;
import io.j3fs.proto.meta.store.IdempotencyRecord;
import io.j3fs.proto.meta.store.InodeRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what the namespace no longer names, in bounded steps: a queued file's chunks are removed
 * from storage (in batches of 32 per chain) once no write session holds it and its delay passed,
 * then its inode; a queued directory (removed recursively) is emptied {@link #DIRECTORY_BATCH}
 * entries per transaction, its children queued in turn. Also drops idempotency records past their
 * time to live. Several metadata instances may run it on one store: every step re-checks in its
 * transaction and removing chunks twice is harmless.
 *
 * <p>Called from one thread (the server's GC thread, or a test).
 */
public final class GcWorker {
  private static final Logger log = LoggerFactory.getLogger(GcWorker.class);

  static final int DIRECTORY_BATCH = 256;
  static final int IDEMPOTENCY_BATCH = 1_000;

  private final MetaContext ctx;

  /** Where the next GC pass starts in the queue (keyed by inode id, not by age). */
  private byte[] gcCursor = MetaKeys.gcBegin();

  /** The last pass reached the end of the queue. */
  private boolean reachedEnd;

  /**
   * How long an idle GC goes without reading its queue, at most: idle is a round that found the
   * queue empty (a pass from its start saw no record), with this instance's {@link GcHint}
   * unchanged since. Why not scan it every interval: a queue just emptied is a range of deleted
   * records, and each scan walks their tombstones until compaction (5% of meta's CPU during a
   * create test, for nothing). This instance's removals wake it at once; what other instances
   * sharing the store queued (or left queued when they died) waits at most this long.
   */
  public static final long IDLE_RESCAN_MS = 30_000;

  /** Set by a round that found the queue empty; with the hint's mark then and the time. */
  private boolean idle;

  private long idleMark;
  private long idleSinceNanos;

  /** Whether the last pass started at the queue's beginning and saw no record at all. */
  private boolean sawEmptyQueue;

  /** Where the next sweep of idempotency records starts (they are ordered by client, not age). */
  private byte[] idempotencyCursor = MetaKeys.idempotencyBegin();

  private byte[] leaseCursor = MetaKeys.dirLeasesBegin();

  public GcWorker(MetaContext ctx) {
    this.ctx = ctx;
  }

  /**
   * One pass over at most {@code batch} queued inodes, from where the last pass stopped (so inodes
   * that cannot go yet, such as files still open, do not keep the rest of the queue waiting);
   * returns how many were finished.
   */
  public int runOnce(int batch) {
    int finished = pass(batch);
    expireIdempotency();
    return finished;
  }

  private int pass(int batch) {
    byte[] from = gcCursor;
    List<KeyValue> queued =
        ctx.kv().read(tx -> tx.getRange(from, MetaKeys.gcEnd(), batch, false).toList());
    reachedEnd = queued.size() < batch;
    sawEmptyQueue = queued.isEmpty() && Arrays.equals(from, MetaKeys.gcBegin());
    gcCursor =
        reachedEnd
            ? MetaKeys.gcBegin() // the next pass starts over
            : io.j3fs.common.bytes.ByteKeys.keyAfter(queued.getLast().key());
    List<Long> due = new ArrayList<>();
    for (KeyValue kv : queued) {
      GcRecord record = MetaStore.parse(kv.value(), "GC record", GcRecord.parser());
      if (record.getEnqueuedMs() + ctx.settings().gcDelayMs() <= ctx.nowMs()) {
        due.add(record.getInodeId());
      }
    }
    if (due.isEmpty()) {
      return 0;
    }
    // The whole pass in one transaction, so one commit: most queued inodes (files that never held a
    // byte, symlinks, inodes already gone) are finished there; the rest each go on alone.
    List<Step> steps;
    try {
      steps =
          ctx.kv()
              .run(
                  tx -> {
                    List<Step> out = new ArrayList<>(due.size());
                    for (long id : due) {
                      out.add(settle(tx, id, false));
                    }
                    return out;
                  });
    } catch (RuntimeException e) {
      log.warn("GC pass of {} inodes failed, will retry: {}", due.size(), e.toString());
      return 0;
    }
    int finished = 0;
    for (int i = 0; i < due.size(); i++) {
      long id = due.get(i);
      try {
        if (finish(id, steps.get(i))) {
          finished++;
        }
      } catch (RuntimeException e) {
        log.warn("GC of inode 0x{} failed, will retry: {}", Long.toHexString(id), e.toString());
      }
    }
    return finished;
  }

  /**
   * Passes back to back while each finishes something, the end of the queue is not reached and
   * {@code budgetMs} is not spent: a mass delete is reclaimed at the rate the GC can go, not one
   * batch per interval. A pass that finishes nothing (a run of files still open) ends the round;
   * the next round goes on from the cursor. Returns inodes finished.
   */
  public int runFor(int batch, long budgetMs) {
    long now = ctx.clock().monotonicNanos();
    long mark = ctx.gcHint().mark(); // before the scan: see GcHint
    boolean scan = !idle || mark != idleMark || now - idleSinceNanos >= IDLE_RESCAN_MS * 1_000_000L;
    int total = 0;
    if (scan) {
      idle = false;
      long deadline = now + budgetMs * 1_000_000L;
      int n;
      do {
        n = pass(batch);
        total += n;
        if (sawEmptyQueue) {
          idle = true;
          idleMark = mark;
          idleSinceNanos = now;
        }
      } while (n > 0 && !reachedEnd && ctx.clock().monotonicNanos() < deadline);
    }
    expireIdempotency(); // once a round: it reads up to 1,000 records
    expireLeases(); // and up to 1,000 directory lease records
    return total;
  }

  /** Whether the last round found the queue empty and the next rounds skip it (see above). */
  public boolean idle() {
    return idle;
  }

  /** Runs passes until the queue holds nothing collectable now; returns inodes finished. */
  public int drain() {
    int total = 0;
    while (true) {
      gcCursor = MetaKeys.gcBegin();
      int cycle = 0;
      do {
        cycle += runOnce(64);
      } while (!reachedEnd);
      total += cycle;
      if (cycle == 0) {
        return total;
      }
    }
  }

  /** What one look at a queued inode found, or did. */
  private enum Step {
    /** Collected (or already gone): its inode and queue record are removed. */
    DONE,
    /** Not garbage now: linked again (record dropped) or still open (record kept). */
    KEPT,
    /** A detached directory, emptied in batches. */
    DIRECTORY,
    /** A file whose chunks storage must remove before its inode goes. */
    STORAGE
  }

  /** What is left of a queued inode after the pass's transaction looked at it. */
  private boolean finish(long id, Step step) {
    return switch (step) {
      case DONE -> true;
      case KEPT -> false;
      case DIRECTORY -> emptyDirectory(id);
      case STORAGE -> {
        InodeRecord inode = ctx.kv().read(tx -> MetaStore.inode(tx, id));
        if (inode != null) {
          ctx.storage().removeAll(InodeId.of(id), inode.getInode().getLayout());
        }
        yield ctx.kv().run(tx -> settle(tx, id, true)) == Step.DONE;
      }
    };
  }

  /**
   * Looks at a queued inode in {@code tx} and finishes it there when nothing outside the store is
   * left to do ({@code storageDone}: its chunks were removed). A file unlinked while open stays
   * usable until its last write session ends.
   */
  private static Step settle(Transaction tx, long id, boolean storageDone) {
    InodeRecord inode = MetaStore.inode(tx, id);
    if (inode == null) {
      tx.clear(MetaKeys.gc(id));
      return Step.DONE;
    }
    Inode attrs = inode.getInode();
    if (attrs.getNlink() > 0) {
      tx.clear(MetaKeys.gc(id));
      return Step.KEPT;
    }
    if (attrs.getType() == InodeType.DIRECTORY) {
      return Step.DIRECTORY;
    }
    if (attrs.getType() == InodeType.FILE) {
      if (!MetaStore.sessions(tx, id).isEmpty()) {
        return Step.KEPT;
      }
      if (!storageDone && MetaStore.mayHoldChunks(attrs)) {
        return Step.STORAGE;
      }
    }
    MetaStore.clearInode(tx, id);
    tx.clear(MetaKeys.gc(id));
    return Step.DONE;
  }

  /**
   * Removes up to a batch of a detached directory's entries per transaction, then the directory.
   */
  private boolean emptyDirectory(long dir) {
    while (true) {
      boolean done =
          ctx.kv()
              .run(
                  tx -> {
                    List<MetaStore.Entry> entries =
                        MetaStore.entries(tx, dir, null, DIRECTORY_BATCH);
                    for (MetaStore.Entry e : entries) {
                      DirEntryRecord entry = e.record();
                      MetaStore.clearEntry(tx, dir, e.name());
                      InodeRecord child = MetaStore.inode(tx, entry.getInodeId());
                      if (child == null) {
                        continue;
                      }
                      Inode c = child.getInode();
                      int links =
                          c.getType() == InodeType.DIRECTORY ? 0 : Math.max(0, c.getNlink() - 1);
                      MetaStore.putInode(
                          tx, child.toBuilder().setInode(c.toBuilder().setNlink(links)).build());
                      if (links == 0) {
                        MetaStore.enqueueGc(tx, c.getId(), ctx.nowMs());
                      }
                    }
                    if (entries.size() < DIRECTORY_BATCH) {
                      MetaStore.clearInode(tx, dir);
                      tx.clear(MetaKeys.gc(dir));
                      DirLeases.clear(tx, dir);
                      return true;
                    }
                    return false;
                  });
      if (done) {
        return true;
      }
    }
  }

  /**
   * Clears directory lease records that lapsed a minute ago or more (a holder that died, a
   * cool-down after a recall). Read inside the transaction, not from a snapshot: a grant that
   * replaces a lapsed record meanwhile makes this transaction conflict instead of being cleared.
   */
  private void expireLeases() {
    long cutoff = ctx.nowMs() - 60_000;
    leaseCursor =
        expire(
            leaseCursor,
            MetaKeys.dirLeasesBegin(),
            MetaKeys.dirLeasesEnd(),
            false,
            value ->
                MetaStore.parse(value, "lease", DirLeaseRecord.parser()).getExpiresMs() < cutoff);
  }

  private void expireIdempotency() {
    long cutoff = ctx.nowMs() - ctx.settings().idempotencyTtlMs();
    idempotencyCursor =
        expire(
            idempotencyCursor,
            MetaKeys.idempotencyBegin(),
            MetaKeys.idempotencyEnd(),
            true,
            value ->
                MetaStore.parse(value, "idempotency record", IdempotencyRecord.parser())
                        .getCreatedMs()
                    < cutoff);
  }

  /**
   * Clears the records {@code expired} says so of up to {@link #IDEMPOTENCY_BATCH} keys of [begin,
   * end) from {@code from}, in one transaction (reading them from its snapshot or not); returns
   * where the next round goes on (the beginning again after the end).
   */
  private byte[] expire(
      byte[] from,
      byte[] begin,
      byte[] end,
      boolean snapshot,
      java.util.function.Predicate<byte[]> expired) {
    return ctx.kv()
        .run(
            tx -> {
              RangeIterator it =
                  snapshot
                      ? tx.snapshot().getRange(from, end, IDEMPOTENCY_BATCH, false)
                      : tx.getRange(from, end, IDEMPOTENCY_BATCH, false);
              byte[] lastKey = null;
              int seen = 0;
              while (it.hasNext()) {
                KeyValue kv = it.next();
                lastKey = kv.key();
                seen++;
                if (expired.test(kv.value())) {
                  tx.clear(kv.key());
                }
              }
              return seen < IDEMPOTENCY_BATCH || lastKey == null
                  ? begin
                  : io.j3fs.common.bytes.ByteKeys.keyAfter(lastKey);
            });
  }
}
