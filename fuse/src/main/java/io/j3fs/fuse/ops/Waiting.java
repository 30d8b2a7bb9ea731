package io.j3fs.fuse.ops;

/**
 * What a FUSE reader thread does before an operation it runs blocks: it gives up its turn to read
 * from the kernel, so the requests behind it are read meanwhile (see FuseSession's ReadTurn). On
 * any other thread (handler threads, background work) it does nothing.
 *
 * <p>Operations call {@link #beforeWaiting()} before a wait that may last longer than a request
 * takes to answer: waiting for a listing in flight, for a batch to be applied, for room in a
 * bounded queue.
 */
public final class Waiting {
  private static final ThreadLocal<Runnable> HOOK = new ThreadLocal<>();

  private Waiting() {}

  /** Sets what the calling thread does before it waits (a reader, once, when it starts). */
  public static void onThisThread(Runnable hook) {
    HOOK.set(hook);
  }

  /** Runs the calling thread's hook, if it has one. */
  public static void beforeWaiting() {
    Runnable hook = HOOK.get();
    if (hook != null) {
      hook.run();
    }
  }
}
