package io.j3fs.fuse;

import java.util.LinkedHashSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests being handled, by unique id, so an INTERRUPT finds its target. A read-only request's
 * handler thread is interrupted (its client calls stop and it answers EINTR); a mutation is left to
 * finish, since its outcome must be reported, and its interrupt is dropped without a reply (an
 * EAGAIN would make the kernel resend it at once, for as long as the mutation runs). An interrupt
 * that arrives before its request was registered (another reader read it an instant earlier) is
 * remembered, a bounded number of them, and applied when the request registers.
 *
 * <p>Thread-safe: readers register and interrupt, handlers start and finish.
 */
final class InFlightRequests {
  /** Interrupts for requests not seen yet that are remembered, at most (oldest forgotten). */
  static final int EARLY_INTERRUPTS = 1_024;

  private static final class Entry {
    final boolean interruptible;
    Thread thread; // guarded by this entry
    boolean interrupted; // guarded by this entry

    Entry(boolean interruptible) {
      this.interruptible = interruptible;
    }
  }

  private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();
  private final LinkedHashSet<Long> early = new LinkedHashSet<>(); // guarded by itself

  /** A request was read (on the reader thread, before its handler is scheduled). */
  void add(long unique, boolean interruptible) {
    Entry e = new Entry(interruptible);
    entries.put(unique, e);
    synchronized (early) {
      if (early.remove(unique)) {
        e.interrupted = true;
      }
    }
  }

  /**
   * The handler starts on this thread; false if a read-only request was interrupted before it
   * started (answer EINTR without running it).
   */
  boolean start(long unique) {
    Entry e = entries.get(unique);
    if (e == null) {
      return true;
    }
    synchronized (e) {
      e.thread = Thread.currentThread();
      return !(e.interruptible && e.interrupted);
    }
  }

  /** The handler is done (before its reply is written). Clears the thread's interrupt status. */
  void finish(long unique) {
    Entry e = entries.remove(unique);
    if (e != null) {
      synchronized (e) {
        e.thread = null;
      }
    }
    Thread.interrupted();
  }

  /**
   * A request answered without a handler thread is done (a READ answered from the completion of its
   * storage calls): forgets it, touching no thread's interrupt status.
   */
  void forget(long unique) {
    entries.remove(unique);
  }

  /** An INTERRUPT for {@code target}. */
  void interrupt(long target) {
    Entry e = entries.get(target);
    if (e == null) {
      synchronized (early) {
        early.add(target);
        if (early.size() > EARLY_INTERRUPTS) {
          early.remove(early.iterator().next());
        }
      }
      return;
    }
    synchronized (e) {
      if (!e.interruptible) {
        return;
      }
      e.interrupted = true;
      if (e.thread != null) {
        e.thread.interrupt();
      }
    }
  }
}
