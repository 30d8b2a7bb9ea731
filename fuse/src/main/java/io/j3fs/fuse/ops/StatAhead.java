package io.j3fs.fuse.ops;

import io.j3fs.common.time.Clock;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.UserInfo;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stat-ahead: when the kernel looks up many names of one directory in a row (ls -l, du, find,
 * rsync, a dataloader indexing its samples, every one of them after the kernel dropped its
 * dentries), the daemon lists the directory with attributes in a few calls and answers the next
 * lookups of names in it from that list, instead of one metadata round trip per name.
 *
 * <p>Invariants (why this shows the kernel nothing its own cache could not have shown it):
 *
 * <ul>
 *   <li>An answer from a list taken at time t carries the entry and attribute timeouts minus the
 *       list's age, so the kernel's copy expires when a copy it had looked up at t would have; a
 *       list is used for at most {@link #MAX_AGE_MS} and only while both timeouts allow caching.
 *   <li>Only names found in the list are answered from it; a name it lacks is asked for (it may
 *       have been created since).
 *   <li>Every change this mount makes is marked, before and after it, with what it touched (see
 *       {@link #namesChanged}, {@link #inodesChanged}, or {@link #changed} for anything), and a
 *       list begun before the latest mark of a name or an inode never answers for that name or with
 *       that inode (for everything, after {@link #changed}).
 *   <li>A file with more than one link is never answered from a list: removing one of its names
 *       elsewhere changes its link count without a mark this mount could tie to it.
 * </ul>
 *
 * <p>Permissions: the kernel checks the caller's search permission on the directory itself (the
 * mount runs with default_permissions; without it there is no stat-ahead), and a listing's answer
 * is only ever the entry of the name asked for, which that permission lets anyone look up.
 *
 * <p>Listings are used as their pages arrive: a lookup of a name the listing has not reached yet
 * waits for it (at most {@link #MAX_WAIT_MS}), since the reader would otherwise ask the service for
 * it while the service is busy listing it.
 *
 * <p>A listing begins after the smallest name of the lookups that started it, so that a sweep of a
 * directory larger than one listing ({@link #MAX_PER_DIR}) in the service's order is listed ahead
 * window by window, not from the start each time.
 *
 * <p>Cost: a listing reads every name it holds. One that answered fewer than {@link
 * #MIN_HITS_PER_NAMES} of its names' worth of lookups (random stats in a large directory) leaves
 * its directory unlisted for a back-off, {@link #FIRST_BACKOFF_MS} doubling up to {@link
 * #MAX_BACKOFF_MS}; a listing that paid for itself resets it.
 *
 * <p>Bounds: a listing is started after {@link #TRIGGER} lookups that missed in one directory
 * within a second, at most {@link #MAX_FETCHES} at once, each of at most {@link #MAX_PER_DIR}
 * names; at most {@link #MAX_ENTRIES} names are kept in all (beyond that the others are dropped);
 * at most {@link #MAX_MARKS} marks of each kind (beyond that, one mark for everything).
 *
 * <p>A listing's answer may be older than an answer the kernel got in between (a lookup that went
 * to the service while the listing was taken): within the timeouts, as said, but not always newer
 * than the last one.
 *
 * <p>Thread-safe: readers look up from the kernel's reader threads; listings run on virtual
 * threads; keeping and dropping listings (and their count) hold this object's monitor; a listing in
 * flight wakes its waiters through its own monitor.
 */
public final class StatAhead {
  private static final Logger log = LoggerFactory.getLogger(StatAhead.class);

  /** Lookups that missed in one directory within a second before it is listed. */
  static final int TRIGGER = 8;

  /** Listings in flight at once, at most. */
  static final int MAX_FETCHES = 4;

  /** Names one listing takes, at most (a larger directory is only partly listed). */
  static final int MAX_PER_DIR = 16_384;

  /** Names kept in all, at most. */
  static final int MAX_ENTRIES = 65_536;

  /** How long a listing is used, at most. */
  static final long MAX_AGE_MS = 2_000;

  /** How long a lookup waits for a listing in flight to reach its name, at most. */
  static final long MAX_WAIT_MS = 100;

  /** How long a directory whose listing failed is left alone. */
  static final long FAILED_BACKOFF_MS = 5_000;

  /** A listing paid for itself when it answered one lookup per this many of its names. */
  static final int MIN_HITS_PER_NAMES = 16;

  /** How long a directory whose listing did not pay for itself is left unlisted, at first. */
  static final long FIRST_BACKOFF_MS = 2_000;

  /** ... and at most, after listings in a row that did not. */
  static final long MAX_BACKOFF_MS = 64_000;

  /** Marks of names (and of inodes) kept, at most; beyond that everything is marked once. */
  static final int MAX_MARKS = 65_536;

  /** Lists one page of a directory, with attributes, as {@code user}, after {@code after}. */
  @FunctionalInterface
  public interface Lister {
    ListRsp list(long dirInode, UserInfo user, String after);
  }

  /** An answer from a listing: the inode and how long the kernel may keep it. */
  public record Hit(Inode inode, long entryMs, long attrMs) {}

  private record NameKey(long dir, String name) {}

  /**
   * One directory's listing, filled page by page. {@code through}: every name up to it (in the
   * service's order, by UTF-8 bytes) is in {@code byName}; written after the page's names, so a
   * reader that sees it sees them.
   */
  private static final class Listing {
    final long takenNanos;
    final long mark; // the mark counter when the listing began
    final String after; // the listing holds names after this one ("": from the start)
    final Map<String, Inode> byName = new ConcurrentHashMap<>();
    final LongAdder hits = new LongAdder();
    volatile byte[] through; // null: no page yet
    volatile boolean ended; // every page in, or no more coming
    volatile boolean complete; // ended with the directory's last page
    volatile boolean cut; // ended because it was dropped (see addPage)

    Listing(long takenNanos, long mark, String after) {
      this.takenNanos = takenNanos;
      this.mark = mark;
      this.after = after;
    }

    /** Whether the name falls in what the listing holds by now (names after the start). */
    boolean reached(String name) {
      byte[] t = through;
      if (t == null) {
        return false;
      }
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      return Arrays.compareUnsigned(n, t) <= 0 && after(name, this.after);
    }

    /**
     * Whether the name falls in the listing's range: after its start, and before where it stopped
     * if it stopped short of the directory's end (while it runs: anywhere after its start).
     */
    boolean covers(String name) {
      return after(name, this.after) && (!ended || complete || reached(name));
    }

    /** Whether the listing paid for itself (see {@link #MIN_HITS_PER_NAMES}). */
    boolean paid() {
      return hits.sum() * MIN_HITS_PER_NAMES >= byName.size();
    }

    synchronized void page(ListRsp page) {
      String last = null;
      for (DirEntry e : page.getEntriesList()) {
        if (e.hasInode()) {
          byName.put(e.getName(), e.getInode());
        }
        last = e.getName();
      }
      if (last != null) {
        through = last.getBytes(StandardCharsets.UTF_8);
      }
      notifyAll();
    }

    synchronized void end() {
      ended = true;
      notifyAll();
    }

    /** Waits until the listing reached {@code name} or ended, or until the deadline. */
    synchronized void await(String name, long deadlineNanos, Clock clock) {
      while (!ended && !reached(name)) {
        long leftMs = (deadlineNanos - clock.monotonicNanos()) / 1_000_000L;
        if (leftMs <= 0) {
          return;
        }
        try {
          wait(leftMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt(); // an INTERRUPT of the lookup: answer without it
          return;
        }
      }
    }
  }

  /** Whether {@code name} comes after {@code start} in the service's order (UTF-8 bytes). */
  static boolean after(String name, String start) {
    return start.isEmpty()
        || Arrays.compareUnsigned(
                name.getBytes(StandardCharsets.UTF_8), start.getBytes(StandardCharsets.UTF_8))
            > 0;
  }

  /** Lookups that missed in one directory; guarded by itself. */
  private static final class Misses {
    long windowStartNanos;
    long windowMark;
    int count;
    String smallest; // the smallest name missed in this window
    boolean fetching;
    long quietUntilNanos;
    Listing last; // the directory's latest listing
    long backoffMs = FIRST_BACKOFF_MS;
  }

  private final Clock clock;
  private final Lister lister;
  private final long entryTimeoutMs;
  private final long attrTimeoutMs;

  /** Marks: each change takes the next number; a listing remembers the number it began at. */
  private final AtomicLong marks = new AtomicLong();

  private final AtomicLong everythingMark = new AtomicLong(); // the latest change of anything
  private final Map<NameKey, Long> nameMarks = new ConcurrentHashMap<>();
  private final Map<Long, Long> inodeMarks = new ConcurrentHashMap<>();
  private final Map<Long, Listing> listings = new ConcurrentHashMap<>();
  private final Map<Long, Misses> misses = new ConcurrentHashMap<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private int kept; // guarded by this: names in all listings
  private final LongAdder hits = new LongAdder(); // counted by reader threads at once
  private final AtomicLong listed = new AtomicLong();

  public StatAhead(Clock clock, Lister lister, long entryTimeoutMs, long attrTimeoutMs) {
    this.clock = clock;
    this.lister = lister;
    this.entryTimeoutMs = entryTimeoutMs;
    this.attrTimeoutMs = attrTimeoutMs;
  }

  private boolean enabled() {
    return entryTimeoutMs > 0 && attrTimeoutMs > 0;
  }

  /** This mount is about to change something, or has, of unknown reach: no listing is used. */
  public void changed() {
    everythingMark.accumulateAndGet(marks.incrementAndGet(), Math::max);
  }

  /**
   * This mount is about to change these names of {@code dir} (remove, replace, rename), or has:
   * older listings do not answer for them, nor with the directory's own attributes.
   */
  public void namesChanged(long dir, String... names) {
    for (String name : names) {
      mark(nameMarks, new NameKey(dir, name));
    }
    mark(inodeMarks, dir);
  }

  /** This mount is about to change these inodes' attributes, or has (see {@link #changed}). */
  public void inodesChanged(long... inodes) {
    for (long inode : inodes) {
      mark(inodeMarks, inode);
    }
  }

  /**
   * Marks a key. A key's mark only ever grows: two threads marking one key (every change in a
   * directory marks its inode, twice) may take their numbers in one order and put them in the
   * other.
   */
  private <K> void mark(Map<K, Long> marksOf, K key) {
    marksOf.merge(key, marks.incrementAndGet(), Math::max);
    if (marksOf.size() > MAX_MARKS) {
      pruneMarks(marksOf);
    }
  }

  /**
   * Drops the marks no listing can be older than: every listing kept began at a number at least the
   * smallest of theirs, and one begun later at a number above every mark put so far (listings begin
   * under this monitor, see {@link #begin}). If that is not enough, one mark for everything stands
   * for them all.
   */
  private synchronized <K> void pruneMarks(Map<K, Long> marksOf) {
    long oldest = marks.get();
    for (Listing l : listings.values()) {
      oldest = Math.min(oldest, l.mark);
    }
    long below = oldest;
    marksOf.values().removeIf(m -> m <= below);
    if (marksOf.size() > MAX_MARKS) {
      changed();
      marksOf.clear();
      changed(); // (and for a mark put while clearing)
    }
  }

  private static <K> boolean markedSince(Map<K, Long> marksOf, K key, long since) {
    Long m = marksOf.get(key);
    return m != null && m > since;
  }

  /**
   * The answer for {@code name} in {@code dir} from a listing still good, or null. Waits (at most
   * {@link #MAX_WAIT_MS}) for a listing in flight that has not reached the name yet.
   */
  public Hit find(long dir, String name) {
    Listing l = listings.get(dir);
    if (l == null) {
      return null;
    }
    Inode inode = l.byName.get(name);
    if (inode == null && !l.ended && after(name, l.after) && !l.reached(name)) {
      Waiting.beforeWaiting();
      l.await(name, clock.monotonicNanos() + MAX_WAIT_MS * 1_000_000L, clock);
      inode = l.byName.get(name);
    }
    long ageMs = (clock.monotonicNanos() - l.takenNanos) / 1_000_000L;
    if (everythingMark.get() > l.mark || ageMs >= MAX_AGE_MS) {
      if (ageMs < MAX_AGE_MS) {
        l.cut = true; // voided, not judged: it may have paid for itself but for the change
      }
      drop(dir, l);
      return null;
    }
    long entryMs = entryTimeoutMs - ageMs;
    long attrMs = attrTimeoutMs - ageMs;
    if (inode == null
        || entryMs <= 0
        || attrMs <= 0
        || (inode.getType() != InodeType.DIRECTORY && inode.getNlink() > 1)
        || markedSince(nameMarks, new NameKey(dir, name), l.mark)
        || markedSince(inodeMarks, inode.getId(), l.mark)) {
      return null;
    }
    hits.increment();
    l.hits.increment();
    return new Hit(inode, entryMs, attrMs);
  }

  /**
   * A lookup of {@code name} in {@code dir} went to the metadata service and found it: after {@link
   * #TRIGGER} of them within a second with no change of everything between, the directory is listed
   * in the background as {@code user}, after the smallest of their names. (Lookups of absent names,
   * as every create makes, do not count.)
   */
  public void missed(long dir, String name, UserInfo user) {
    if (!enabled()) {
      return;
    }
    if (misses.size() > 4 * MAX_FETCHES * 1024) {
      misses.clear(); // many directories touched once each: nothing to learn from them
    }
    long now = clock.monotonicNanos();
    Listing current = listings.get(dir);
    if (current != null
        && current.covers(name)
        && everythingMark.get() <= current.mark
        && now - current.takenNanos < MAX_AGE_MS * 1_000_000L) {
      // A name the listing lacked or may not answer for (changed since): the listing still serves
      // the others, and another would only be taken again.
      return;
    }
    Misses m = misses.computeIfAbsent(dir, d -> new Misses());
    String start;
    synchronized (m) {
      if (m.fetching || now < m.quietUntilNanos) {
        return;
      }
      long mark = everythingMark.get();
      if (now - m.windowStartNanos > 1_000_000_000L || mark != m.windowMark) {
        m.windowStartNanos = now; // a change since would make the listing useless at once
        m.windowMark = mark;
        m.count = 0;
        m.smallest = null;
      }
      if (m.smallest == null || !after(name, m.smallest)) {
        m.smallest = name;
      }
      if (++m.count < TRIGGER) {
        return;
      }
      m.count = 0;
      start = m.smallest;
      m.smallest = null;
      if (m.last != null && m.last.ended && !m.last.cut) {
        if (!m.last.paid()) {
          m.quietUntilNanos = now + m.backoffMs * 1_000_000L;
          m.backoffMs = Math.min(MAX_BACKOFF_MS, m.backoffMs * 2);
          m.last = null;
          return;
        }
        m.backoffMs = FIRST_BACKOFF_MS;
      }
      if (fetches.incrementAndGet() > MAX_FETCHES) {
        fetches.decrementAndGet();
        return;
      }
      m.fetching = true;
    }
    // Before the first page: its age is never understated, and no change after is missed. It
    // holds the names after the smallest one missed (answered already): the ones to come.
    Listing l = begin(dir, start);
    synchronized (m) {
      m.last = l;
    }
    Thread.ofVirtual().name("stat-ahead").start(() -> fetch(dir, user, m, l));
  }

  private void fetch(long dir, UserInfo user, Misses m, Listing l) {
    boolean failed = false;
    try {
      String after = l.after;
      while (true) {
        ListRsp page = lister.list(dir, user, after);
        int names = addPage(dir, l, page);
        if (names == CUT) {
          l.cut = true;
          break;
        }
        if (!page.getMore() || page.getEntriesCount() == 0) {
          l.complete = true;
          break;
        }
        if (names >= MAX_PER_DIR) {
          break;
        }
        after = page.getEntries(page.getEntriesCount() - 1).getName();
      }
      if (everythingMark.get() > l.mark) {
        l.cut = true;
        drop(dir, l); // began before a change of everything: never used
      } else if (listings.get(dir) == l) {
        listed.incrementAndGet();
      }
    } catch (RuntimeException e) {
      failed = true;
      drop(dir, l);
      log.debug("stat-ahead listing of directory {} failed: {}", dir, e.toString());
    } finally {
      l.end();
      fetches.decrementAndGet();
      synchronized (m) {
        m.fetching = false;
        if (failed) {
          m.quietUntilNanos = clock.monotonicNanos() + FAILED_BACKOFF_MS * 1_000_000L;
        }
      }
    }
  }

  /**
   * Begins a listing and keeps it in place of the directory's last one, and drops the listings too
   * old to use (a directory nobody looks up again would keep its listing for ever otherwise). Under
   * this monitor: {@link #pruneMarks} sees every listing with the number it began at.
   */
  private synchronized Listing begin(long dir, String start) {
    Listing l = new Listing(clock.monotonicNanos(), marks.get(), start);
    Listing old = listings.put(dir, l);
    if (old != null) {
      kept -= old.byName.size();
    }
    dropOld();
    return l;
  }

  /** Drops every listing past {@link #MAX_AGE_MS} (under this monitor). */
  private void dropOld() {
    long now = clock.monotonicNanos();
    listings
        .entrySet()
        .removeIf(
            e -> {
              boolean old = now - e.getValue().takenNanos >= MAX_AGE_MS * 1_000_000L;
              if (old) {
                kept -= e.getValue().byName.size();
              }
              return old;
            });
  }

  /** {@link #addPage}'s answer for a listing no longer kept. */
  private static final int CUT = -1;

  /**
   * Adds a page to a listing still kept and not outdated, and returns the names it has now; {@link
   * #CUT} when it is no longer kept (dropped, replaced, outdated by a change of everything). Beyond
   * {@link #MAX_ENTRIES} names in all, the listings too old to use are dropped, then if need be all
   * the others.
   */
  private synchronized int addPage(long dir, Listing l, ListRsp page) {
    if (listings.get(dir) != l || everythingMark.get() > l.mark) {
      return CUT;
    }
    int before = l.byName.size();
    l.page(page);
    int names = l.byName.size();
    kept += names - before;
    if (kept > MAX_ENTRIES) {
      dropOld();
    }
    if (kept > MAX_ENTRIES) {
      listings.clear();
      listings.put(dir, l);
      kept = names;
    }
    return names;
  }

  private synchronized void drop(long dir, Listing l) {
    if (listings.remove(dir, l)) {
      kept -= l.byName.size();
    }
  }

  /** Names kept in all listings now. */
  synchronized int kept() {
    return kept;
  }

  /** Lookups answered from listings so far. */
  public long hits() {
    return hits.sum();
  }

  /** Listings taken whole so far. */
  public long listings() {
    return listed.get();
  }
}
