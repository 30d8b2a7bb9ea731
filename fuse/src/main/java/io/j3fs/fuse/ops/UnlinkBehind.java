package io.j3fs.fuse.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.meta.AcquireDirLeaseRsp;
import io.j3fs.proto.meta.BatchRemoveReq;
import io.j3fs.proto.meta.BatchRemoveRsp;
import io.j3fs.proto.meta.DeferredUnlink;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.UserInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
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
 * <p>Threads: the FUSE operations call in from reader and handler threads; each held directory has
 * one virtual thread that takes the lease, sends its batches and gives it back. A directory's state
 * is guarded by its {@link Held} monitor.
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

  /**
   * Timing.
   *
   * @param lingerNanos how long the first unlink of a batch waits for company
   * @param idleNanos a lease with nothing to send for this long is given back
   * @param marginMs a lease is used until this long before it would lapse
   * @param backoffNanos a directory whose lease could not be taken is left alone this long
   * @param flushWaitMs a barrier (listing, fsyncdir) waits at most this long for the unlinks
   */
  public record Settings(
      long lingerNanos, long idleNanos, long marginMs, long backoffNanos, long flushWaitMs) {
    public static final Settings DEFAULT =
        new Settings(1_000_000L, 300_000_000L, 1_000, 5_000_000_000L, 60_000);
  }

  /** The metadata calls this makes (tests answer them themselves). */
  public interface Meta {
    AcquireDirLeaseRsp acquire(long dir, UserInfo user);

    /** One page of the directory's entries (names, inode ids, types), after {@code after}. */
    ListRsp list(long dir, UserInfo user, String after);

    /** A batch, retried with the same request id until answered (or a failure that is final). */
    BatchRemoveRsp remove(BatchRemoveReq request);

    void release(long dir, long leaseId);

    RequestId newRequest();
  }

  private record Name(long inodeId, InodeType type) {}

  private record Pending(String name, long inodeId, UserInfo user) {}

  private enum State {
    /** The lease is being taken and the directory listed: unlinks go the ordinary way. */
    TAKING,
    /** Unlinks of known names are answered here. */
    ACTIVE,
    /** No more early answers: what waits is sent, then the lease is given back. */
    DRAINING
  }

  /** One directory this mount holds or is taking; guarded by its monitor. */
  private static final class Held {
    final long dir;
    State state = State.TAKING;
    long leaseId;
    long usableUntilNanos;
    Map<String, Name> names = new HashMap<>();
    final Set<String> removedWhileTaking = new HashSet<>();
    boolean changedWhileTaking;
    final ArrayDeque<Pending> pending = new ArrayDeque<>();
    final Set<String> pendingNames = new HashSet<>();
    int sending;
    boolean hurry;
    long lastUseNanos;

    Held(long dir) {
      this.dir = dir;
    }

    boolean idle() {
      return pending.isEmpty() && sending == 0;
    }
  }

  /** Unlinks done the ordinary way in one directory; guarded by itself. */
  private static final class Run {
    long windowStartNanos;
    int count;
    long quietUntilNanos;
  }

  private final Meta meta;
  private final io.j3fs.common.time.Clock clock;
  private final Settings settings;
  private final boolean enabled;
  private final Runnable applied;
  private final Map<Long, Held> held = new ConcurrentHashMap<>();
  private final Map<Long, Run> runs = new ConcurrentHashMap<>();

  /** Inodes with an unlink waiting to be applied, and the directory it waits in. */
  private final Map<Long, Long> pendingInodes = new ConcurrentHashMap<>();

  private final AtomicInteger namesKept = new AtomicInteger();
  private final LongAdder early = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private final LongAdder leases = new LongAdder();
  private volatile boolean closing;

  /**
   * @param enabled false: nothing is ever answered early (no default_permissions, or configured so)
   * @param applied called after each batch is applied (stat-ahead drops listings taken before)
   */
  public UnlinkBehind(
      Meta meta,
      io.j3fs.common.time.Clock clock,
      Settings settings,
      boolean enabled,
      Runnable applied) {
    this.meta = meta;
    this.clock = clock;
    this.settings = settings;
    this.enabled = enabled;
    this.applied = applied;
  }

  /**
   * Answers an unlink of {@code name} in {@code dir} here when this mount holds the directory and
   * knows the name as a file or symlink that it has not open ({@code openHere}): true, and the
   * unlink is queued for the directory's next batch; false, with nothing done, to go the ordinary
   * way.
   */
  public boolean unlinkEarly(long dir, String name, UserInfo user, LongPredicate openHere) {
    Held h = held.get(dir);
    if (h == null) {
      return false;
    }
    synchronized (h) {
      Name n = h.names.get(name);
      if (!usable(h) || n == null || n.type() == InodeType.DIRECTORY) {
        return false;
      }
      if (openHere.test(n.inodeId())) {
        return false;
      }
      if (h.pending.size() >= MAX_PENDING_PER_DIR) {
        h.hurry = true;
        h.notifyAll();
        waitFor(h, () -> h.pending.size() < MAX_PENDING_PER_DIR, settings.flushWaitMs());
        if (!usable(h) || h.pending.size() >= MAX_PENDING_PER_DIR) {
          return false;
        }
      }
      h.names.remove(name);
      h.pending.add(new Pending(name, n.inodeId(), user));
      h.pendingNames.add(name);
      pendingInodes.put(n.inodeId(), dir);
      h.lastUseNanos = clock.monotonicNanos();
      h.notifyAll();
    }
    early.increment();
    return true;
  }

  private boolean usable(Held h) {
    return h.state == State.ACTIVE && clock.monotonicNanos() < h.usableUntilNanos && !closing;
  }

  /** Whether {@code name} was unlinked here and its batch is not applied yet (lookups: ENOENT). */
  public boolean removing(long dir, String name) {
    Held h = held.get(dir);
    if (h == null) {
      return false;
    }
    synchronized (h) {
      return h.pendingNames.contains(name);
    }
  }

  /**
   * An unlink of {@code name} in {@code dir} went the ordinary way and succeeded: the name is gone
   * from what this mount knows of the directory, and after {@link #TRIGGER} of them within a second
   * the directory's lease is asked for, as {@code user}.
   */
  public void unlinked(long dir, String name, UserInfo user) {
    removed(dir, name);
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
    Held h = new Held(dir);
    if (held.putIfAbsent(dir, h) == null) {
      Thread.ofVirtual().name("unlink-behind").start(() -> run(h, user));
    }
  }

  /** A name of {@code dir} was removed by this mount the ordinary way (unlink, rmdir). */
  public void removed(long dir, String name) {
    Held h = held.get(dir);
    if (h != null) {
      synchronized (h) {
        if (h.state == State.TAKING) {
          h.removedWhileTaking.add(name);
        } else {
          h.names.remove(name);
        }
      }
    }
  }

  /** This mount added {@code name} to {@code dir} (create, mknod, mkdir, symlink, link). */
  public void added(long dir, String name, Inode inode) {
    Held h = held.get(dir);
    if (h != null) {
      synchronized (h) {
        if (h.state == State.TAKING) {
          h.changedWhileTaking = true;
        } else {
          h.names.put(name, new Name(inode.getId(), inode.getType()));
        }
      }
    }
  }

  /** This mount moved {@code from} in {@code fromDir} to {@code to} in {@code toDir}. */
  public void renamed(long fromDir, String from, long toDir, String to) {
    removed(fromDir, from);
    Held h = held.get(toDir);
    if (h != null) {
      synchronized (h) {
        if (h.state == State.TAKING) {
          h.changedWhileTaking = true;
        } else {
          h.names.remove(to); // its inode is not known here: the ordinary way from now on
        }
      }
    }
  }

  /**
   * Before this mount adds {@code name} to {@code dir}: a waiting unlink of it is applied first.
   */
  public void beforeAdding(long dir, String name) {
    if (removing(dir, name)) {
      flush(dir);
    }
  }

  /**
   * Waits until every unlink answered early in {@code dir} is applied (or has failed for good), at
   * most {@link Settings#flushWaitMs}: before the directory is listed or synced.
   */
  public void flush(long dir) {
    Held h = held.get(dir);
    if (h == null) {
      return;
    }
    synchronized (h) {
      if (h.idle()) {
        return;
      }
      h.hurry = true;
      h.notifyAll();
      if (!waitFor(h, h::idle, settings.flushWaitMs())) {
        log.warn(
            "unlinks in directory 0x{} still not applied after {} ms",
            Long.toHexString(dir),
            settings.flushWaitMs());
      }
    }
  }

  /**
   * Before the attributes of {@code inodeId} are asked for: an unlink of one of its names waiting
   * to be applied is applied first, so its link count is the one the kernel expects.
   */
  public void beforeStat(long inodeId) {
    Long dir = pendingInodes.get(inodeId);
    if (dir != null) {
      flush(dir);
    }
  }

  /** {@link #flush} of every directory held (before a rename or rmdir, which may involve any). */
  public void flushAll() {
    held.keySet().forEach(this::flush);
  }

  /** Waits on {@code h}'s monitor (held by the caller) until {@code done}, at most {@code ms}. */
  private static boolean waitFor(Held h, java.util.function.BooleanSupplier done, long ms) {
    long deadline = System.nanoTime() + ms * 1_000_000L;
    while (!done.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        h.wait(Math.max(1, left / 1_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return done.getAsBoolean();
      }
    }
    return true;
  }

  /** A held directory's life: take the lease and list, send batches while used, give it back. */
  private void run(Held h, UserInfo user) {
    int kept = -1;
    try {
      kept = take(h, user);
      if (kept >= 0) {
        leases.increment();
        sendWhileHeld(h);
      }
    } catch (RuntimeException e) {
      log.warn("unlink-behind in directory 0x{} failed: {}", Long.toHexString(h.dir), e.toString());
    } finally {
      synchronized (h) {
        h.state = State.DRAINING;
        held.remove(h.dir, h);
        h.notifyAll();
      }
      namesKept.addAndGet(-Math.max(0, kept));
      if (kept < 0) {
        // Not taken (refused, too large, changed meanwhile, or failed): left alone a while.
        Run run = runs.get(h.dir);
        if (run != null) {
          synchronized (run) {
            run.quietUntilNanos = clock.monotonicNanos() + settings.backoffNanos();
          }
        }
      }
      if (h.leaseId != 0) {
        try {
          meta.release(h.dir, h.leaseId);
        } catch (RuntimeException e) {
          log.debug("giving back the lease of 0x{}: {}", Long.toHexString(h.dir), e.toString());
        }
      }
    }
  }

  /**
   * Takes the lease and lists the directory; returns the names kept (-1: not taken, nothing held).
   */
  private int take(Held h, UserInfo user) {
    long sentNanos = clock.monotonicNanos();
    AcquireDirLeaseRsp rsp;
    try {
      rsp = meta.acquire(h.dir, user);
    } catch (StatusException e) {
      log.debug("no lease of directory 0x{}: {}", Long.toHexString(h.dir), e.getMessage());
      return -1;
    }
    if (!rsp.getGranted()) {
      return -1;
    }
    synchronized (h) {
      h.leaseId = rsp.getLeaseId();
      h.usableUntilNanos = sentNanos + (rsp.getLeaseMs() - settings.marginMs()) * 1_000_000L;
    }
    Map<String, Name> names = new HashMap<>();
    String after = "";
    while (true) {
      ListRsp page = meta.list(h.dir, user, after);
      for (DirEntry e : page.getEntriesList()) {
        names.put(e.getName(), new Name(e.getInodeId(), e.getType()));
        after = e.getName();
      }
      if (names.size() > MAX_NAMES_PER_DIR) {
        return -1; // too large to keep: the lease goes back at once
      }
      if (!page.getMore() || page.getEntriesCount() == 0) {
        break;
      }
    }
    if (namesKept.addAndGet(names.size()) > MAX_NAMES) {
      namesKept.addAndGet(-names.size());
      return -1;
    }
    synchronized (h) {
      if (h.changedWhileTaking || closing) {
        namesKept.addAndGet(-names.size());
        return -1;
      }
      names.keySet().removeAll(h.removedWhileTaking);
      h.names = names;
      h.state = State.ACTIVE;
      h.lastUseNanos = clock.monotonicNanos();
    }
    return names.size();
  }

  /** Sends batches until the lease is no longer used and nothing waits. */
  private void sendWhileHeld(Held h) {
    while (true) {
      List<Pending> batch;
      synchronized (h) {
        while (h.pending.isEmpty()) {
          long now = clock.monotonicNanos();
          long idleLeftNanos = h.lastUseNanos + settings.idleNanos() - now;
          if (h.state != State.ACTIVE || closing || idleLeftNanos <= 0 || !usable(h)) {
            h.state = State.DRAINING;
            return;
          }
          h.hurry = false;
          try {
            h.wait(Math.max(1, idleLeftNanos / 1_000_000L));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            h.state = State.DRAINING;
          }
        }
        // The first unlink waits a moment for company, unless a barrier waits or the batch is full.
        long lingerEnd = clock.monotonicNanos() + settings.lingerNanos();
        for (long left = settings.lingerNanos();
            left > 0 && !h.hurry && h.pending.size() < MAX_BATCH && !closing;
            left = lingerEnd - clock.monotonicNanos()) {
          try {
            h.wait(left / 1_000_000L, (int) (left % 1_000_000L));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        batch = new ArrayList<>(Math.min(MAX_BATCH, h.pending.size()));
        for (Pending p : h.pending) {
          if (batch.size() == MAX_BATCH) {
            break;
          }
          batch.add(p);
        }
        h.sending = batch.size();
      }
      send(h, batch);
      synchronized (h) {
        for (int i = 0; i < batch.size(); i++) {
          Pending p = h.pending.poll();
          h.pendingNames.remove(p.name());
          pendingInodes.remove(p.inodeId(), h.dir);
        }
        h.sending = 0;
        h.notifyAll();
      }
    }
  }

  /** Sends one batch, again with the same request id until it is answered or closing gives up. */
  private void send(Held h, List<Pending> batch) {
    long leaseId;
    synchronized (h) {
      leaseId = h.state == State.ACTIVE ? h.leaseId : 0;
    }
    BatchRemoveReq.Builder req =
        BatchRemoveReq.newBuilder().setRequest(meta.newRequest()).setDir(h.dir).setLeaseId(leaseId);
    for (Pending p : batch) {
      req.addUnlinks(
          DeferredUnlink.newBuilder().setUser(p.user()).setName(p.name()).setInodeId(p.inodeId()));
    }
    BatchRemoveReq request = req.build();
    long backoffMs = 100;
    for (int attempt = 1; ; attempt++) {
      long sentNanos = clock.monotonicNanos();
      try {
        BatchRemoveRsp rsp = meta.remove(request);
        batches.increment();
        applied.run();
        for (int i = 0; i < rsp.getStatusesCount(); i++) {
          if (rsp.getStatuses(i) != 0) {
            // Under the lease only a lapse (a partition) or permissions the kernel judged from
            // stale attributes can bring this: the acknowledged unlink did not happen.
            refused.increment();
            log.warn(
                "unlink of \"{}\" in directory 0x{}, answered early, was not applied: {}",
                batch.get(i).name(),
                Long.toHexString(h.dir),
                StatusCode.fromNumber(rsp.getStatuses(i)));
          }
        }
        synchronized (h) {
          if (rsp.getLeaseKept()) {
            h.usableUntilNanos = sentNanos + (rsp.getLeaseMs() - settings.marginMs()) * 1_000_000L;
          } else {
            h.state = State.DRAINING; // asked back, or lapsed: no more early answers
          }
        }
        return;
      } catch (StatusException e) {
        // Applied at most once whatever happened (the request id), so it is sent until answered:
        // these unlinks were acknowledged. Only a failure that cannot pass, or shutting down after
        // its wait, gives them up.
        synchronized (h) {
          h.state = State.DRAINING;
        }
        if (!e.code().retriable() && !e.code().ordinary()) {
          log.error(
              "{} unlinks in directory 0x{} answered early were lost: {}",
              batch.size(),
              Long.toHexString(h.dir),
              e.getMessage());
          refused.add(batch.size());
          return;
        }
        log.warn(
            "unlinks in directory 0x{} not applied yet (attempt {}): {}",
            Long.toHexString(h.dir),
            attempt,
            e.getMessage());
        if (closing && attempt >= 3) {
          log.error(
              "{} unlinks in directory 0x{} answered early were lost at shutdown",
              batch.size(),
              Long.toHexString(h.dir));
          refused.add(batch.size());
          return;
        }
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
        backoffMs = Math.min(5_000, backoffMs * 2);
      }
    }
  }

  /**
   * At unmount: no more early answers, every waiting unlink is sent (bounded by the flush wait),
   * every lease given back.
   */
  @Override
  public void close() {
    closing = true;
    for (Held h : held.values()) {
      synchronized (h) {
        h.hurry = true;
        h.notifyAll();
      }
    }
    flushAll();
    long deadline = System.nanoTime() + settings.flushWaitMs() * 1_000_000L;
    while (!held.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Unlinks answered early so far. */
  public long earlyUnlinks() {
    return early.sum();
  }

  /** Unlinks answered early that the service did not apply (the name had changed, or lost). */
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
