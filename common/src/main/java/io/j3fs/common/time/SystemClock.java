package io.j3fs.common.time;

/** The real clock: {@link System#currentTimeMillis()} and {@link System#nanoTime()}. */
public final class SystemClock implements Clock {
  static final SystemClock INSTANCE = new SystemClock();

  private SystemClock() {}

  @Override
  public long wallMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public long monotonicNanos() {
    return System.nanoTime();
  }
}
