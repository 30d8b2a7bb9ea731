package io.j3fs.fuse.ops;

import io.j3fs.common.time.Clock;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.UserInfo;
import java.util.HashMap;
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
 *   <li>Every change this mount makes (any metadata call but a read) moves {@link #generation}
 *       before and after it, and a list taken before the latest move is never used.
 * </ul>
 *
 * <p>Permissions: the kernel checks the caller's search permission on the directory itself (the
 * mount runs with default_permissions; without it there is no stat-ahead), and a listing's answer
 * is only ever the entry of the name asked for, which that permission lets anyone look up.
 *
 * <p>Bounds: a listing is started after {@link #TRIGGER} lookups that missed in one directory
 * within a second, at most {@link #MAX_FETCHES} at once, each of at most {@link #MAX_PER_DIR}
 * names; at most {@link #MAX_ENTRIES} names are kept in all (beyond that everything is dropped).
 *
 * <p>A listing's answer may be older than an answer the kernel got in between (a lookup that went
 * to the service while the listing was taken): within the timeouts, as said, but not always newer
 * than the last one.
 *
 * <p>Thread-safe: readers look up from the kernel's reader threads; listings run on virtual
 * threads; keeping and dropping listings (and their count) hold this object's monitor.
 */
public final class StatAhead {
  private static final Logger log = LoggerFactory.getLogger(StatAhead.class);

  /** Lookups that missed in one directory within a second before it is listed. */
  static final int TRIGGER = 8;

  /** Listings in flight at once, at most. */
  static final int MAX_FETCHES = 2;

  /** Names one listing takes, at most (a larger directory is only partly listed). */
  static final int MAX_PER_DIR = 16_384;

  /** Names kept in all, at most. */
  static final int MAX_ENTRIES = 65_536;

  /** How long a listing is used, at most. */
  static final long MAX_AGE_MS = 2_000;

  /** How long a directory whose listing failed is left alone. */
  static final long FAILED_BACKOFF_MS = 5_000;

  /** Lists one page of a directory, with attributes, as {@code user}, after {@code after}. */
  @FunctionalInterface
  public interface Lister {
    ListRsp list(long dirInode, UserInfo user, String after);
  }

  /** An answer from a listing: the inode and how long the kernel may keep it. */
  public record Hit(Inode inode, long entryMs, long attrMs) {}

  private record Listing(Map<String, Inode> byName, long takenNanos, long generation) {}

  /** Lookups that missed in one directory; guarded by itself. */
  private static final class Misses {
    long windowStartNanos;
    long windowGeneration;
    int count;
    boolean fetching;
    long quietUntilNanos;
  }

  private final Clock clock;
  private final Lister lister;
  private final long entryTimeoutMs;
  private final long attrTimeoutMs;
  private final AtomicLong generation = new AtomicLong();
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

  /** This mount is about to change something, or has: no listing taken before is used again. */
  public void changed() {
    generation.incrementAndGet();
  }

  /** The answer for {@code name} in {@code dir} from a listing still good, or null. */
  public Hit find(long dir, String name) {
    Listing l = listings.get(dir);
    if (l == null) {
      return null;
    }
    long ageMs = (clock.monotonicNanos() - l.takenNanos()) / 1_000_000L;
    if (l.generation() != generation.get() || ageMs >= MAX_AGE_MS) {
      drop(dir, l);
      return null;
    }
    Inode inode = l.byName().get(name);
    long entryMs = entryTimeoutMs - ageMs;
    long attrMs = attrTimeoutMs - ageMs;
    if (inode == null || entryMs <= 0 || attrMs <= 0) {
      return null;
    }
    hits.increment();
    return new Hit(inode, entryMs, attrMs);
  }

  /**
   * A lookup in {@code dir} went to the metadata service and found the name: after {@link #TRIGGER}
   * of them within a second with no change by this mount between, the directory is listed in the
   * background as {@code user}. (Lookups of absent names, as every create makes, do not count.)
   */
  public void missed(long dir, UserInfo user) {
    if (!enabled()) {
      return;
    }
    if (misses.size() > 4 * MAX_FETCHES * 1024) {
      misses.clear(); // many directories touched once each: nothing to learn from them
    }
    Misses m = misses.computeIfAbsent(dir, d -> new Misses());
    long now = clock.monotonicNanos();
    synchronized (m) {
      if (m.fetching || now < m.quietUntilNanos) {
        return;
      }
      long gen = generation.get();
      if (now - m.windowStartNanos > 1_000_000_000L || gen != m.windowGeneration) {
        m.windowStartNanos = now; // a change since would make the listing useless at once
        m.windowGeneration = gen;
        m.count = 0;
      }
      if (++m.count < TRIGGER) {
        return;
      }
      if (fetches.incrementAndGet() > MAX_FETCHES) {
        fetches.decrementAndGet();
        return;
      }
      m.fetching = true;
      m.count = 0;
    }
    Thread.ofVirtual().name("stat-ahead").start(() -> fetch(dir, user, m));
  }

  private void fetch(long dir, UserInfo user, Misses m) {
    long takenNanos = clock.monotonicNanos(); // before the listing: its age is never understated
    long gen = generation.get();
    boolean failed = false;
    try {
      Map<String, Inode> byName = new HashMap<>();
      String after = "";
      while (byName.size() < MAX_PER_DIR) {
        ListRsp page = lister.list(dir, user, after);
        for (DirEntry e : page.getEntriesList()) {
          if (e.hasInode()) {
            byName.put(e.getName(), e.getInode());
          }
          after = e.getName();
        }
        if (!page.getMore() || page.getEntriesCount() == 0) {
          break;
        }
      }
      if (gen == generation.get() && !byName.isEmpty()) {
        keep(dir, new Listing(byName, takenNanos, gen));
      }
    } catch (RuntimeException e) {
      failed = true;
      log.debug("stat-ahead listing of directory {} failed: {}", dir, e.toString());
    } finally {
      fetches.decrementAndGet();
      synchronized (m) {
        m.fetching = false;
        if (failed) {
          m.quietUntilNanos = clock.monotonicNanos() + FAILED_BACKOFF_MS * 1_000_000L;
        }
      }
    }
  }

  /** Keeps a listing, within {@link #MAX_ENTRIES} names in all (beyond that, only this one). */
  private synchronized void keep(long dir, Listing l) {
    Listing old = listings.remove(dir);
    if (old != null) {
      kept -= old.byName().size();
    }
    if (kept + l.byName().size() > MAX_ENTRIES) {
      listings.clear();
      kept = 0;
    }
    listings.put(dir, l);
    kept += l.byName().size();
    listed.incrementAndGet();
  }

  private synchronized void drop(long dir, Listing l) {
    if (listings.remove(dir, l)) {
      kept -= l.byName().size();
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

  /** Listings taken and kept so far. */
  public long listings() {
    return listed.get();
  }
}
