package io.j3fs.fuse.ops;

import io.j3fs.common.status.StatusException;
import io.j3fs.proto.meta.AcquireDirLeaseRsp;
import io.j3fs.proto.meta.BatchCreateReq;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.UserInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One directory whose lease a mount holds or is taking ({@link UnlinkBehind}): what it knows of the
 * directory's names, the unlinks it answered and has not had applied yet, and the life of the lease
 * (taken and listed, batches sent, given back), which runs on one virtual thread ({@link #run}).
 *
 * <p>Guarded by its own monitor: the FUSE operations' threads queue and wait on it, the lease's
 * thread takes batches from it and wakes them. Progress is counted: {@link #queued} unlinks were
 * answered, the first {@link #applied} of them are done with (applied, or given up), so a barrier
 * waits for what was queued before it and not for what keeps coming after.
 */
final class HeldDir {
  private static final Logger log = LoggerFactory.getLogger(HeldDir.class);

  record Name(long inodeId, InodeType type) {}

  /**
   * A name this mount made whose inode it does not know (a rename's target): never unlinked here.
   */
  static final Name UNKNOWN = new Name(-1, null);

  /** Longest name the service takes, in UTF-8 bytes. */
  static final int MAX_NAME_BYTES = 255;

  static final int S_ISGID = 02000;

  /** A file created early: the inode answered, the handle opened on it, its caller. */
  static final class EarlyCreate {
    final Inode inode;
    final OpenFile file;
    final UserInfo user;

    EarlyCreate(Inode inode, OpenFile file, UserInfo user) {
      this.inode = inode;
      this.file = file;
      this.user = user;
    }
  }

  /** A change answered early: an unlink ({@code create} null) or a create. */
  record Pending(String name, long inodeId, UserInfo user, EarlyCreate create) {}

  enum State {
    /** The lease is being taken and the directory listed: unlinks go the ordinary way. */
    TAKING,
    /** Unlinks of known names are answered here. */
    ACTIVE,
    /** No more early answers: what waits is sent, then the lease is given back. */
    DRAINING,
    /** Given back (or never taken): nothing waits, nothing is answered. */
    GONE
  }

  final long dir;
  private final UnlinkBehind owner;
  private final BatchCalls calls;
  private State state = State.TAKING;
  private long leaseId;
  private long usableUntilNanos;
  private final Map<String, Name> names = new HashMap<>();

  /**
   * This mount's own changes while the directory is listed, in order, the last per name: a name
   * made (its Name) or removed (null). Applied over the listing, which may or may not have them.
   */
  private final Map<String, Name> changedWhileTaking = new HashMap<>();

  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final Set<String> pendingNames = new HashSet<>();
  private final Set<String> creatingNames = new HashSet<>();
  private boolean complete = true;
  private Inode dirInode;
  private final Map<Long, Integer> pendingInodes = new HashMap<>();
  private long queued;
  private long applied;
  private boolean hurry;
  private long lastUseNanos;

  HeldDir(long dir, UnlinkBehind owner) {
    this.dir = dir;
    this.owner = owner;
    this.calls = new BatchCalls(this, owner);
  }

  // ---- called by the FUSE operations ----

  /** Queues an unlink of a known file or symlink not open here; false: the ordinary way. */
  synchronized boolean unlinkEarly(
      String name, UserInfo user, java.util.function.LongPredicate openHere) {
    Name n = names.get(name);
    if (!usable()
        || n == null
        || n.inodeId() < 0
        || n.type() == InodeType.DIRECTORY
        || openHere.test(n.inodeId())) {
      return false;
    }
    if (pending.size() >= UnlinkBehind.MAX_PENDING_PER_DIR) {
      hurry = true;
      notifyAll();
      waitFor(
          () -> pending.size() < UnlinkBehind.MAX_PENDING_PER_DIR, owner.settings().flushWaitMs());
      if (!usable()
          || pending.size() >= UnlinkBehind.MAX_PENDING_PER_DIR
          || !names.containsKey(name)) {
        return false;
      }
    }
    removeName(name);
    pendingNames.add(name);
    enqueue(new Pending(name, n.inodeId(), user, null));
    return true;
  }

  /** Queues a change answered early and wakes the sender when it has to. */
  private void enqueue(Pending p) {
    pending.add(p);
    pendingInodes.merge(p.inodeId(), 1, Integer::sum);
    owner.pendingInode(p.inodeId(), dir);
    queued++;
    lastUseNanos = owner.clock().monotonicNanos();
    if (pending.size() == 1 || pending.size() >= UnlinkBehind.MAX_BATCH) {
      // The sender waits for a first change, or lingers until a batch is full; waking it for
      // every change in between cost a thread switch each.
      notifyAll();
    }
  }

  /**
   * Makes a new file {@code name} here (see {@link UnlinkBehind#createEarly}): null where the name
   * is not known to be free, no id is left, or the lease is not usable.
   */
  synchronized OpenFile createEarly(
      String name, int mode, UserInfo user, java.util.function.Function<Inode, OpenFile> open) {
    if (!owner.createsEnabled()
        || !knownAbsent(name)
        || dirInode == null
        || pending.size() >= UnlinkBehind.MAX_PENDING_PER_DIR
        || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      return null;
    }
    if (!owner.reserveNames(1)) {
      return null;
    }
    long id = owner.takeId();
    if (id < 0) {
      owner.releaseNames(1);
      return null;
    }
    long nowNs = owner.clock().wallMillis() * 1_000_000L;
    boolean setgid = (dirInode.getMode() & S_ISGID) != 0;
    Inode inode =
        Inode.newBuilder()
            .setId(id)
            .setType(InodeType.FILE)
            .setMode(mode & 07777)
            .setUid(user.getUid())
            .setGid(setgid ? dirInode.getGid() : user.getGid()) // as the service does
            .setNlink(1)
            .setAtimeNs(nowNs)
            .setMtimeNs(nowNs)
            .setCtimeNs(nowNs)
            .build();
    OpenFile file = open.apply(inode);
    EarlyCreate create = new EarlyCreate(inode, file, user);
    names.put(name, new Name(id, InodeType.FILE));
    creatingNames.add(name);
    enqueue(new Pending(name, id, user, create));
    return file;
  }

  /** Whether {@code name} is known not to be here now (see {@link UnlinkBehind#knownAbsent}). */
  synchronized boolean knownAbsent(String name) {
    return usable() && complete && !names.containsKey(name) && !pendingNames.contains(name);
  }

  /** The directory's mode or group may change: no more creates early under this lease. */
  synchronized void dirAttrsChanging() {
    dirInode = null;
  }

  synchronized boolean creating(String name) {
    return creatingNames.contains(name);
  }

  private boolean usable() {
    return state == State.ACTIVE
        && owner.clock().monotonicNanos() < usableUntilNanos
        && !owner.closing();
  }

  synchronized boolean removing(String name) {
    return pendingNames.contains(name);
  }

  synchronized boolean removingInode(long inodeId) {
    return pendingInodes.containsKey(inodeId);
  }

  /** A name went away by this mount's ordinary call (unlink, rmdir, rename from). */
  synchronized void removed(String name) {
    if (state == State.TAKING) {
      changedWhileTaking.put(name, null);
    } else {
      removeName(name);
    }
  }

  /** A name was made by this mount (null: made, its inode not known here). */
  synchronized void added(String name, Name n) {
    if (state == State.TAKING) {
      changedWhileTaking.put(name, n == null ? UNKNOWN : n);
    } else if (!names.containsKey(name) && !owner.reserveNames(1)) {
      // Too many names kept: this one goes the ordinary way, and what is not kept is not known
      // to be absent any more.
      complete = false;
    } else {
      names.put(name, n == null ? UNKNOWN : n);
    }
  }

  private void removeName(String name) {
    if (names.remove(name) != null) {
      owner.releaseNames(1);
    }
  }

  /** Waits until every unlink queued before this call is done with; false after {@code waitMs}. */
  synchronized boolean flush(long waitMs) {
    long target = queued;
    if (applied >= target) {
      return true;
    }
    hurry = true;
    notifyAll();
    return waitFor(() -> applied >= target, waitMs);
  }

  /** Waits on this monitor (held by the caller) until {@code done}, at most {@code ms}. */
  private boolean waitFor(BooleanSupplier done, long ms) {
    long deadline = System.nanoTime() + ms * 1_000_000L;
    if (!done.getAsBoolean()) {
      Waiting.beforeWaiting(); // a reader lets the others read meanwhile
    }
    while (!done.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        wait(Math.max(1, left / 1_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return done.getAsBoolean();
      }
    }
    return true;
  }

  /** Shutting down: what waits goes out now. */
  synchronized void hurry() {
    hurry = true;
    notifyAll();
  }

  // ---- the lease's own thread ----

  /** The lease's life: take it and list, send batches while it is used, give it back. */
  void run(UserInfo user) {
    boolean taken = false;
    try {
      taken = take(user);
      if (taken) {
        owner.leaseTaken();
        sendWhileHeld();
      }
    } catch (RuntimeException e) {
      log.warn("unlink-behind in directory 0x{} failed: {}", Long.toHexString(dir), e.toString());
    } finally {
      end(taken);
    }
  }

  /** Takes the lease and lists the directory; false: not taken (given back if granted). */
  private boolean take(UserInfo user) {
    long sentNanos = owner.clock().monotonicNanos();
    AcquireDirLeaseRsp rsp;
    try {
      rsp = owner.meta().acquire(dir, user, owner.createsEnabled() && owner.idsLow());
    } catch (StatusException e) {
      log.debug("no lease of directory 0x{}: {}", Long.toHexString(dir), e.getMessage());
      return false;
    }
    if (!rsp.getGranted()) {
      return false;
    }
    owner.addIds(rsp.getFirstInodeId(), rsp.getInodeIds());
    synchronized (this) {
      leaseId = rsp.getLeaseId();
      usableUntilNanos = usableUntil(sentNanos, rsp.getLeaseMs());
      dirInode = rsp.hasDir() ? rsp.getDir() : null;
    }
    Map<String, Name> listed = new HashMap<>();
    String after = "";
    while (true) {
      ListRsp page = owner.meta().list(dir, user, after);
      for (DirEntry e : page.getEntriesList()) {
        listed.put(e.getName(), new Name(e.getInodeId(), e.getType()));
        after = e.getName();
      }
      if (listed.size() > UnlinkBehind.MAX_NAMES_PER_DIR) {
        return false; // too large to keep
      }
      if (!page.getMore() || page.getEntriesCount() == 0) {
        break;
      }
    }
    int reserved = listed.size();
    if (!owner.reserveNames(reserved)) {
      return false;
    }
    synchronized (this) {
      changedWhileTaking.forEach(
          (name, n) -> {
            if (n == null) {
              listed.remove(name);
            } else {
              listed.put(name, n);
            }
          });
      changedWhileTaking.clear();
      names.putAll(listed);
      owner.releaseNames(reserved - names.size()); // what this mount's changes took off or added
      if (owner.closing()) {
        return false;
      }
      state = State.ACTIVE;
      lastUseNanos = owner.clock().monotonicNanos();
      if (!usable()) {
        return false; // the listing outlasted what the lease leaves usable
      }
    }
    return true;
  }

  /** Until when a lease granted or renewed for {@code leaseMs} at {@code sentNanos} is used. */
  private long usableUntil(long sentNanos, long leaseMs) {
    long marginMs = Math.min(owner.settings().marginMs(), leaseMs / 3);
    return sentNanos + (leaseMs - marginMs) * 1_000_000L;
  }

  /** Sends batches until the lease is no longer used and nothing waits. */
  private void sendWhileHeld() {
    while (true) {
      List<Pending> batch;
      long leaseToRenew;
      BatchCreateReq.Builder createRequest;
      synchronized (this) {
        while (pending.isEmpty()) {
          long idleLeftNanos =
              lastUseNanos + owner.settings().idleNanos() - owner.clock().monotonicNanos();
          if (state != State.ACTIVE || idleLeftNanos <= 0 || !usable()) {
            state = State.DRAINING;
            return;
          }
          hurry = false;
          try {
            wait(Math.max(1, idleLeftNanos / 1_000_000L));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            state = State.DRAINING;
          }
        }
        lingerForCompany();
        // A run of one kind from the head: the changes are applied in the order answered.
        batch = new ArrayList<>(Math.min(UnlinkBehind.MAX_BATCH, pending.size()));
        boolean creates = pending.peek().create() != null;
        for (Pending p : pending) {
          if (batch.size() == UnlinkBehind.MAX_BATCH || (p.create() != null) != creates) {
            break;
          }
          batch.add(p);
        }
        createRequest = creates ? calls.createRequest(batch) : null;
        leaseToRenew = leaseId;
      }
      boolean ok =
          createRequest == null
              ? calls.sendRemoves(batch, leaseToRenew)
              : calls.sendCreates(batch, createRequest.setLeaseId(leaseToRenew));
      done(batch, ok);
    }
  }

  /**
   * The first unlink of a batch waits a moment for company, unless hurried or the batch is full.
   */
  private void lingerForCompany() {
    long linger = owner.settings().lingerNanos();
    long end = owner.clock().monotonicNanos() + linger;
    for (long left = linger;
        left > 0 && !hurry && pending.size() < UnlinkBehind.MAX_BATCH && !owner.closing();
        left = end - owner.clock().monotonicNanos()) {
      try {
        wait(left / 1_000_000L, (int) (left % 1_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The batch is done with (applied, or given up): its names and inodes stop waiting. */
  private synchronized void done(List<Pending> batch, boolean wasApplied) {
    for (int i = 0; i < batch.size(); i++) {
      Pending p = pending.poll();
      if (p.create() == null) {
        pendingNames.remove(p.name());
      } else {
        creatingNames.remove(p.name());
        if (!wasApplied && names.containsKey(p.name())) {
          names.put(p.name(), UNKNOWN); // made or not: not known here
        }
      }
      forgetInode(p.inodeId());
    }
    applied += batch.size();
    if (!wasApplied) {
      owner.lost(dir, batch.size());
    }
    notifyAll();
  }

  private void forgetInode(long inodeId) {
    Integer left = pendingInodes.merge(inodeId, -1, Integer::sum);
    if (left != null && left <= 0) {
      pendingInodes.remove(inodeId);
      owner.pendingInodeDone(inodeId, dir);
    }
  }

  /** A batch's answer about the lease: renewed (used on), or not (no more early answers). */
  synchronized void leaseAnswer(boolean kept, long leaseMs, long sentNanos) {
    if (kept) {
      usableUntilNanos = usableUntil(sentNanos, leaseMs);
    } else {
      state = State.DRAINING; // asked back, or lapsed: no more early answers
    }
  }

  /** A batch failed (it may pass later, or never): no more early answers. */
  synchronized void drain() {
    state = State.DRAINING;
  }

  /**
   * A create answered early the service refused: the name may be there (another's, after a lapse).
   */
  synchronized void createRefused(String name) {
    names.put(name, UNKNOWN);
  }

  /**
   * The lease's end: nothing more is answered; what is still queued (only after a bug stopped the
   * thread) is counted lost and stops waiting; waiters wake; the lease goes back.
   */
  private void end(boolean taken) {
    long lease;
    int leftNames;
    synchronized (this) {
      state = State.GONE;
      int left = pending.size();
      if (left > 0) {
        log.error(
            "{} unlinks in directory 0x{} answered early were lost", left, Long.toHexString(dir));
        done(new ArrayList<>(pending), false);
      }
      lease = leaseId;
      leftNames = names.size();
      names.clear();
      notifyAll();
    }
    owner.ended(this, taken, leftNames);
    if (lease != 0) {
      try {
        owner.meta().release(dir, lease);
      } catch (RuntimeException e) {
        log.debug("giving back the lease of 0x{}: {}", Long.toHexString(dir), e.toString());
      }
    }
  }
}
