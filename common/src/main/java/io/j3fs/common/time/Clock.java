package io.j3fs.common.time;

/**
 * Time as the logic sees it. Components take a Clock instead of calling {@link System} so that
 * tests and the simulator can drive time by hand ({@link ManualClock}) and a cluster's minutes of
 * lease and heartbeat logic run in milliseconds.
 */
public interface Clock {
  /** Wall-clock time in milliseconds since the epoch: for timestamps stored or shown to people. */
  long wallMillis();

  /** Monotonic time in nanoseconds from an arbitrary origin: for timeouts, leases and intervals. */
  long monotonicNanos();

  default long monotonicMillis() {
    return monotonicNanos() / 1_000_000L;
  }

  /** The real clock. */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}
