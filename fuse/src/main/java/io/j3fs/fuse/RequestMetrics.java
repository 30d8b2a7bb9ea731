package io.j3fs.fuse;

import io.j3fs.fuse.protocol.Opcode;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * FUSE requests handled, by operation and outcome (metric {@code j3fs.fuse.requests}: the errno
 * name, or OK), with their latency. Recorded to Micrometer's global registry, which {@code j3fs
 * fuse} serves at {@code metrics_listen}; without a backing registry it costs next to nothing.
 *
 * <p>Thread-safe; one map lookup per request on the hot path.
 */
final class RequestMetrics {
  private static final ConcurrentHashMap<Long, Timer> TIMERS = new ConcurrentHashMap<>();

  private RequestMetrics() {}

  static void record(int opcode, int errno, long nanos) {
    long key = ((long) opcode << 32) | (errno & 0xffffffffL);
    Timer timer = TIMERS.get(key);
    if (timer == null) {
      timer =
          TIMERS.computeIfAbsent(
              key,
              k ->
                  Timer.builder("j3fs.fuse.requests")
                      .description("FUSE requests handled, by operation and outcome")
                      .tag("op", Opcode.name(opcode))
                      .tag("outcome", errno == 0 ? "OK" : "errno " + errno)
                      .publishPercentileHistogram()
                      .register(Metrics.globalRegistry));
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }
}
