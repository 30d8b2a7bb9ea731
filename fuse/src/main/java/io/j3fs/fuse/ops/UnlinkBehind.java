package io.j3fs.fuse.ops;

import io.j3fs.common.time.Clock;
import io.j3fs.proto.meta.AcquireDirLeaseRsp;
import io.j3fs.proto.meta.BatchCreateReq;
import io.j3fs.proto.meta.BatchCreateRsp;
import io.j3fs.proto.meta.BatchRemoveReq;
import io.j3fs.proto.meta.BatchRemoveRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.UserInfo;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unlink-behind: after a run of unlinks in one directory (rm -r, a checkpoint's clean-up, a cache
 * evicting its files), the mount takes the directory's lease from the metadata service, lists it,
 * and answers the next unlinks there itself, sending them in batches ({@code Meta.BatchRemove}, one
 * transaction and one commit each) instead of one metadata round trip and one durable commit per
 * unlink. CephFS's asynchronous directory operations work the same way under its capabilities.
 *
 * <p>Why an early answer is the answer the service will give: while the lease is held no other
 * client changes the directory's entries (the service refuses them and asks the lease back), so the
 * listing plus this mount's own changes are the directory; the kernel already checked the caller's
 * permissions from the mode bits (default_permissions, without which this is off) and that the name
 * is not a directory. Each queued unlink names the inode it saw and the service removes the name
 * only if it still leads there, so a late batch (a lease lost to a partition) never removes
 * anything else.
 *
 * <p>What the mount shows meanwhile: a name unlinked here is answered ENOENT by lookups at once;
 * listing the directory (opendir, a page of readdir), fsyncdir, and adding that same name again
 * first wait until the waiting unlinks are applied. Other clients see the name until its batch is
 * applied, a few milliseconds: well within the attribute and entry timeouts by which they may see
 * this mount's changes late anyway. Only files and symlinks this mount has not open are answered
 * early; everything else goes the ordinary way. (A file with other links keeps them; the kernel
 * counts its link down itself, and another client's stat may show the old count for those
 * milliseconds.)
 *
 * <p>Durability: an unlink answered early is durable once its batch is applied (at most {@link
 * Settings#lingerNanos} plus a commit later, or at fsyncdir); if the daemon dies first it is lost
 * and the file stays, as an unlink not yet in ext4's journal is lost to a power cut.
 *
 * <p>Bounds: {@link #MAX_DIRS} directories held at once, {@link #MAX_NAMES_PER_DIR} names per
 * directory and {@link #MAX_NAMES} in all (a larger directory is not taken), {@link
 * #MAX_PENDING_PER_DIR} unlinks waiting per directory (beyond that an unlink waits for the batch in
 * flight, then goes the ordinary way), {@link #MAX_BATCH} per batch.
 *
 * <p>Create-behind: the lease is also taken after a run of creates, and in a held directory a
 * lookup of a name neither listed nor made here is answered ENOENT, and a create of such a name is
 * answered here under an inode id the service gave this client ({@link #createEarly}), queued with
 * the unlinks (in order) and sent as {@code Meta.BatchCreate}. Anything else about such a file
 * waits for its batch ({@link #beforeUse}), a write too: the batch gives a handle open for writing
 * its write session.
 *
 * <p>Threads: the FUSE operations call in from reader and handler threads; each held directory
 * ({@link HeldDir}, guarded by its own monitor) has one virtual thread that takes the lease, sends
 * its batches and gives it back.
 */
public final class UnlinkBehind implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UnlinkBehind.class);

  /** Unlinks in one directory within a second, the ordinary way, before its lease is asked for. */
  static final int TRIGGER = 8;

  /** Directories held (or being taken) at once, at most. */
  static final int MAX_DIRS = 64;

  /** Names a directory may have to be taken. */
  static final int MAX_NAMES_PER_DIR = 65_536;

  /** Names kept for all held directories together, at most. */
  static final int MAX_NAMES = 262_144;

  /** Unlinks waiting to be sent in one directory, at most. */
  static final int MAX_PENDING_PER_DIR = 1_024;

  /** Unlinks in one batch, at most (the service runs up to 64 on its event loop). */
  static final int MAX_BATCH = 64;

  /** Directories whose lost unlinks the next fsyncdir reports, at most. */
  static final int MAX_LOST_DIRS = 4_096;

  /**
   * Timing.
   *
   * @param lingerNanos how long the first unlink of a batch waits for company
   * @param idleNanos a lease with nothing to send for this long is given back
   * @param marginMs a lease is used until this long before it would lapse (at most a third of it)
   * @param backoffNanos a directory whose lease could not be taken is left alone this long
   * @param flushWaitMs a barrier (listing, fsyncdir) waits at most this long for the unlinks
   */
  public record Settings(
      long lingerNanos, long idleNanos, long marginMs, long backoffNanos, long flushWaitMs) {
    public static final Settings DEFAULT =
        new Settings(1_000_000L, 300_000_000L, 1_000, 5_000_000_000L, 60_000);

    public Settings withLingerMs(long lingerMs) {
      return new Settings(lingerMs * 1_000_000L, idleNanos, marginMs, backoffNanos, flushWaitMs);
    }
  }

  /** The metadata calls this makes (tests answer them themselves). */
  public interface Meta {
    /** The lease, and with {@code wantIds} a block of inode ids for creates answered early. */
    AcquireDirLeaseRsp acquire(long dir, UserInfo user, boolean wantIds);

    /** One page of the directory's entries (names, inode ids, types), after {@code after}. */
    ListRsp list(long dir, UserInfo user, String after);

    /** A batch, retried with the same request id until answered (or a failure that is final). */
    BatchRemoveRsp remove(BatchRemoveReq request);

    /** A batch of creates, retried with the same request id as {@link #remove}. */
    BatchCreateRsp create(BatchCreateReq request);

    void release(long dir, long leaseId);

    RequestId newRequest();
  }

  /** Unlinks done the ordinary way in one directory; guarded by itself. */
  private static final class Run {
    long windowStartNanos;
    int count;
    long quietUntilNanos;
  }

  private final Meta meta;
  private final Clock clock;
  private final Settings settings;
  private final boolean enabled;
  private final boolean createsEnabled;
  private final Applied applied;
  private final Map<Long, HeldDir> held = new ConcurrentHashMap<>();
  private final Map<Long, Run> runs = new ConcurrentHashMap<>();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

  /** Inodes with an unlink waiting to be applied, and the directory it waits in. */
  private final Map<Long, Long> pendingInodes = new ConcurrentHashMap<>();

  /** Directories where unlinks answered early were lost or refused since their last fsyncdir. */
  private final Set<Long> lostIn = ConcurrentHashMap.newKeySet();

  private final AtomicInteger namesKept = new AtomicInteger();
  private final LongAdder early = new LongAdder();
  private final LongAdder earlyCreates = new LongAdder();

  /**
   * Inode ids this client was given for the files it creates early: [nextId, endId). Guarded by
   * this.
   */
  private long nextId;

  private long endId;
  private final LongAdder refused = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private final LongAdder leases = new LongAdder();
  private volatile boolean closing;

  /**
   * @param enabled false: nothing is ever answered early (no default_permissions, or configured so)
   * @param createsEnabled creates too are answered early (create-behind)
   * @param applied called after each batch was sent, applied or not (stat-ahead stops trusting
   *     listings taken before for what the batch touched)
   */
  public UnlinkBehind(
      Meta meta,
      Clock clock,
      Settings settings,
      boolean enabled,
      boolean createsEnabled,
      Applied applied) {
    this.meta = meta;
    this.clock = clock;
    this.settings = settings;
    this.enabled = enabled;
    this.createsEnabled = enabled && createsEnabled;
    this.applied = applied;
  }

  /**
   * Answers an unlink of {@code name} in {@code dir} here when this mount holds the directory and
   * knows the name as a file or symlink that it has not open ({@code openHere}): true, and the
   * unlink is queued for the directory's next batch; false, with nothing done, to go the ordinary
   * way.
   */
  public boolean unlinkEarly(long dir, String name, UserInfo user, LongPredicate openHere) {
    HeldDir h = held.get(dir);
    if (h == null || closing || !h.unlinkEarly(name, user, openHere)) {
      return false;
    }
    early.increment();
    return true;
  }

  /**
   * Answers a create of a new file {@code name} in {@code dir} here when this mount holds the
   * directory and knows the name is free: the file's inode is made here (an id from this client's
   * block, {@code mode}, the caller as owner, now as its times), {@code open} opens the handle on
   * it, and its create is queued for the directory's next batch. Null, with nothing done, to go the
   * ordinary way.
   */
  public OpenFile createEarly(
      long dir, String name, int mode, UserInfo user, Function<Inode, OpenFile> open) {
    HeldDir h = held.get(dir);
    if (h == null || closing || !createsEnabled) {
      return null;
    }
    OpenFile file = h.createEarly(name, mode, user, open);
    if (file != null) {
      earlyCreates.increment();
    }
    return file;
  }

  /**
   * Whether {@code name} is known not to be in {@code dir}: this mount holds the directory and
   * neither its listing nor this mount's changes since have it (a lookup is answered ENOENT here).
   */
  public boolean knownAbsent(long dir, String name) {
    HeldDir h = held.get(dir);
    return h != null && !closing && h.knownAbsent(name);
  }

  /**
   * This mount changes {@code inodeId}'s attributes: a held directory of that id makes no more
   * files early (their group follows the directory's mode and group, known as of the lease).
   */
  public void attrsChanging(long inodeId) {
    HeldDir h = held.get(inodeId);
    if (h != null) {
      h.dirAttrsChanging();
    }
  }

  /** Whether {@code name} was created here early and its batch is not applied yet. */
  public boolean creating(long dir, String name) {
    HeldDir h = held.get(dir);
    return h != null && h.creating(name);
  }

  /** Takes an inode id of this client's block; -1 when none is left. */
  synchronized long takeId() {
    return nextId < endId ? nextId++ : -1;
  }

  /** Whether a new block of ids should be asked for (fewer than a batch's worth left). */
  synchronized boolean idsLow() {
    return endId - nextId < MAX_BATCH;
  }

  /** A block of ids given to this client (the rest of the old one is dropped). */
  synchronized void addIds(long first, int count) {
    if (count > 0 && first > 0) {
      nextId = first;
      endId = first + count;
    }
  }

  /** Whether {@code name} was unlinked here and its batch is not applied yet (lookups: ENOENT). */
  public boolean removing(long dir, String name) {
    HeldDir h = held.get(dir);
    return h != null && h.removing(name);
  }

  /**
   * An unlink of {@code name} in {@code dir} went the ordinary way and succeeded: the name is gone
   * from what this mount knows of the directory, and after {@link #TRIGGER} of them within a second
   * the directory's lease is asked for, as {@code user}.
   */
  public void unlinked(long dir, String name, UserInfo user) {
    removed(dir, name);
    changedOrdinarily(dir, user);
  }

  /**
   * A create of {@code name} in {@code dir} went the ordinary way and made {@code inode}: counted
   * as an unlink is, after {@link #TRIGGER} changes within a second the directory is taken.
   */
  public void created(long dir, String name, Inode inode, UserInfo user) {
    added(dir, name, inode);
    if (createsEnabled) {
      changedOrdinarily(dir, user);
    }
  }

  private void changedOrdinarily(long dir, UserInfo user) {
    if (!enabled || closing || held.containsKey(dir)) {
      return;
    }
    if (runs.size() > 4 * 1024) {
      runs.clear(); // many directories touched once each: nothing to learn from them
    }
    Run run = runs.computeIfAbsent(dir, d -> new Run());
    long now = clock.monotonicNanos();
    synchronized (run) {
      if (now < run.quietUntilNanos) {
        return;
      }
      if (now - run.windowStartNanos > 1_000_000_000L) {
        run.windowStartNanos = now;
        run.count = 0;
      }
      if (++run.count < TRIGGER) {
        return;
      }
      run.count = 0;
    }
    if (held.size() >= MAX_DIRS) {
      return;
    }
    HeldDir h = new HeldDir(dir, this);
    if (held.putIfAbsent(dir, h) == null) {
      Thread t = Thread.ofVirtual().name("unlink-behind").unstarted(() -> h.run(user));
      threads.add(t);
      t.start();
    }
  }

  /** A name of {@code dir} was removed by this mount the ordinary way (unlink, rmdir). */
  public void removed(long dir, String name) {
    HeldDir h = held.get(dir);
    if (h != null) {
      h.removed(name);
    }
  }

  /**
   * This mount made {@code name} in {@code dir} (create, mknod, mkdir, symlink, link) leading to
   * {@code inode}; null when the name's inode is not known here (a create that opened what was
   * there: the name may be a symlink it followed).
   */
  public void added(long dir, String name, Inode inode) {
    HeldDir h = held.get(dir);
    if (h != null) {
      h.added(name, inode == null ? null : new HeldDir.Name(inode.getId(), inode.getType()));
    }
  }

  /** This mount moved {@code from} in {@code fromDir} to {@code to} in {@code toDir}. */
  public void renamed(long fromDir, String from, long toDir, String to) {
    removed(fromDir, from);
    added(toDir, to, null); // its inode is not known here: the ordinary way from now on
  }

  /**
   * Before this mount adds {@code name} to {@code dir}: a waiting unlink of it is applied first.
   */
  public void beforeAdding(long dir, String name) {
    if (removing(dir, name)) {
      flush(dir);
    }
  }

  /** Whether a change answered early to {@code inodeId} (its create, an unlink) waits. */
  public boolean waitsFor(long inodeId) {
    return !pendingInodes.isEmpty() && pendingInodes.containsKey(inodeId);
  }

  /**
   * Before an operation on {@code inodeId} goes to the service: an unlink of one of its names, or
   * its own create, waiting to be applied is applied first (its link count is the one the kernel
   * expects; the service knows the file).
   */
  public void beforeUse(long inodeId) {
    if (pendingInodes.isEmpty()) {
      return;
    }
    Long dir = pendingInodes.get(inodeId);
    if (dir != null) {
      flush(dir);
    }
  }

  /**
   * Waits until every unlink answered early in {@code dir} before this call is applied (or given
   * up); after {@link Settings#flushWaitMs} it fails with EIO: whatever waits on it (a listing,
   * fsyncdir, a name made again) must not go on as if they were.
   */
  public void flush(long dir) {
    HeldDir h = held.get(dir);
    if (h != null && !h.flush(settings.flushWaitMs())) {
      throw new Errno.Failure(
          Errno.EIO,
          "unlinks in directory 0x"
              + Long.toHexString(dir)
              + " still not applied after "
              + settings.flushWaitMs()
              + " ms");
    }
  }

  /** {@link #flush} of every directory held (before a rename or rmdir, which may involve any). */
  public void flushAll() {
    held.keySet().forEach(this::flush);
  }

  /**
   * fsyncdir: every unlink answered early in {@code dir} is applied; EIO when one was lost or
   * refused since the last fsyncdir of it (reported once).
   */
  public void sync(long dir) {
    flush(dir);
    if (lostIn.remove(dir)) {
      throw new Errno.Failure(
          Errno.EIO, "unlinks answered early in 0x" + Long.toHexString(dir) + " were not applied");
    }
  }

  /**
   * At unmount: no more early answers, every waiting unlink is sent (bounded by the flush wait),
   * every lease given back.
   */
  @Override
  public void close() {
    closing = true;
    held.values().forEach(HeldDir::hurry);
    long deadline = System.nanoTime() + settings.flushWaitMs() * 1_000_000L;
    for (Thread t : threads) {
      long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
      try {
        if (leftMs <= 0 || !t.join(java.time.Duration.ofMillis(leftMs))) {
          log.warn("unlink-behind still sending at shutdown after {} ms", settings.flushWaitMs());
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  // ---- for HeldDir ----

  Meta meta() {
    return meta;
  }

  Clock clock() {
    return clock;
  }

  Settings settings() {
    return settings;
  }

  boolean closing() {
    return closing;
  }

  boolean createsEnabled() {
    return createsEnabled;
  }

  /** Takes {@code n} from the names budget; false (nothing taken) when it would go over. */
  boolean reserveNames(int n) {
    if (namesKept.addAndGet(n) > MAX_NAMES) {
      namesKept.addAndGet(-n);
      return false;
    }
    return true;
  }

  void releaseNames(int n) {
    namesKept.addAndGet(-n);
  }

  void pendingInode(long inodeId, long dir) {
    pendingInodes.put(inodeId, dir);
  }

  void pendingInodeDone(long inodeId, long dir) {
    pendingInodes.remove(inodeId, dir);
  }

  /** Ends a write session a file created early adopted after its handle was released. */
  void sessionOfReleased(OpenFile file, String session, UserInfo user) {
    sessionEnder.end(file, session, user);
  }

  /** Ends write sessions nobody else will (see {@link #sessionOfReleased}). */
  public interface SessionEnder {
    void end(OpenFile file, String session, UserInfo user);
  }

  private volatile SessionEnder sessionEnder = (file, session, user) -> {};

  /** Who ends sessions adopted by released handles (the mount's session closer). */
  public void endSessionsWith(SessionEnder ender) {
    this.sessionEnder = ender;
  }

  void leaseTaken() {
    leases.increment();
  }

  /** What is told of each batch sent: its directory and the names it removed (none for creates). */
  @FunctionalInterface
  public interface Applied {
    void batchSent(long dir, String[] removed);
  }

  void batchApplied() {
    batches.increment();
  }

  /** A batch was sent: applied, refused, or lost (it may have been applied all the same). */
  void batchSent(long dir, String[] removed) {
    applied.batchSent(dir, removed);
  }

  void refused(long dir, int n) {
    refused.add(n);
    noteLost(dir);
  }

  void lost(long dir, int n) {
    refused.add(n);
    noteLost(dir);
  }

  private void noteLost(long dir) {
    if (lostIn.size() >= MAX_LOST_DIRS) {
      log.warn(
          "unlinks lost in over {} directories: fsyncdir no longer reports each", MAX_LOST_DIRS);
      lostIn.clear();
    }
    lostIn.add(dir);
  }

  /** A held directory's thread ends: a lease not taken backs the directory off a while. */
  void ended(HeldDir h, boolean taken, int names) {
    releaseNames(names);
    if (!taken) {
      Run run = runs.get(h.dir);
      if (run != null) {
        synchronized (run) {
          run.quietUntilNanos = clock.monotonicNanos() + settings.backoffNanos();
        }
      }
    }
    held.remove(h.dir, h);
    threads.remove(Thread.currentThread());
  }

  /** Creates answered early so far. */
  public long earlyCreates() {
    return earlyCreates.sum();
  }

  /** Unlinks answered early so far. */
  public long earlyUnlinks() {
    return early.sum();
  }

  /** Unlinks answered early that were not applied (the service refused them, or they were lost). */
  public long refusedUnlinks() {
    return refused.sum();
  }

  /** Batches applied so far. */
  public long batches() {
    return batches.sum();
  }

  /** Leases taken so far. */
  public long leases() {
    return leases.sum();
  }

  /** Directories held now. */
  public int held() {
    return held.size();
  }
}
