package io.j3fs.net.blocking;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the deadlines of {@link BlockingConnection} calls, whose channels have no timeout of their
 * own (see there): one daemon thread looks at every open connection each {@link #TICK_MS} and
 * closes those whose call ran past its deadline. A call therefore fails at most a tick after its
 * deadline. The thread parks while no connection is open.
 *
 * <p>Thread-safe: owners register and unregister their connections; the thread reads their volatile
 * deadlines.
 */
final class Deadlines {
  private static final Logger log = LoggerFactory.getLogger(Deadlines.class);

  /** How often the open connections are looked at. */
  static final long TICK_MS = 10;

  private static final Set<BlockingConnection> OPEN = ConcurrentHashMap.newKeySet();
  private static Thread thread; // guarded by Deadlines.class

  private Deadlines() {}

  static void watch(BlockingConnection c) {
    OPEN.add(c);
    Thread t;
    synchronized (Deadlines.class) {
      if (thread == null || !thread.isAlive()) {
        thread = Thread.ofPlatform().name("blocking-rpc-deadlines").daemon().start(Deadlines::run);
      }
      t = thread;
    }
    LockSupport.unpark(t);
  }

  /** The connections watched now, for tests. */
  static int watched() {
    return OPEN.size();
  }

  static void unwatch(BlockingConnection c) {
    OPEN.remove(c);
  }

  private static void run() {
    while (true) {
      try {
        if (OPEN.isEmpty()) {
          LockSupport.park(); // woken by the next watch (a spurious return just loops)
          continue;
        }
        LockSupport.parkNanos(TICK_MS * 1_000_000L);
        long now = System.nanoTime();
        for (BlockingConnection c : OPEN) {
          long deadline = c.deadlineNanos.get();
          if (deadline != 0
              && deadline != BlockingConnection.EXPIRED
              && now - deadline > 0
              && c.deadlineNanos.compareAndSet(deadline, BlockingConnection.EXPIRED)) {
            OPEN.remove(c); // its owner closes it when the call fails, or drops it
            c.expire();
          }
        }
      } catch (Throwable e) { // the thread must live on: every blocked call depends on it
        log.error("deadline check failed; going on", e);
      }
    }
  }
}
