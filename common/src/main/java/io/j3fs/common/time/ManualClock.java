package io.j3fs.common.time;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to: for tests and the seeded simulator. Thread-safe; time never
 * goes backwards.
 */
public final class ManualClock implements Clock {
  private final long wallOriginMillis;
  private final AtomicLong nanos = new AtomicLong();

  public ManualClock() {
    this(1_700_000_000_000L);
  }

  public ManualClock(long wallOriginMillis) {
    this.wallOriginMillis = wallOriginMillis;
  }

  @Override
  public long wallMillis() {
    return wallOriginMillis + nanos.get() / 1_000_000L;
  }

  @Override
  public long monotonicNanos() {
    return nanos.get();
  }

  /** Moves time forward; a negative amount is rejected because monotonic time never goes back. */
  public void advance(long amount, TimeUnit unit) {
    long deltaNanos = unit.toNanos(amount);
    if (deltaNanos < 0) {
      throw new IllegalArgumentException("time cannot move backwards: " + amount + " " + unit);
    }
    nanos.addAndGet(deltaNanos);
  }

  public void advanceMillis(long millis) {
    advance(millis, TimeUnit.MILLISECONDS);
  }
}
