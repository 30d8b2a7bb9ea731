package io.j3fs.fuse.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;

/**
 * Unlink-behind's counters in Micrometer's global registry, which {@code j3fs fuse} serves at
 * {@code metrics_listen}: unlinks answered early, those the service did not apply, batches, leases
 * taken, directories held now. Registered once per mount (a later mount in the same process, as in
 * tests, replaces the source).
 */
final class UnlinkBehindMetrics {
  private UnlinkBehindMetrics() {}

  private static volatile UnlinkBehind source;

  static void register(UnlinkBehind unlinkBehind) {
    boolean first = source == null;
    source = unlinkBehind;
    if (!first) {
      return;
    }
    FunctionCounter.builder(
            "j3fs.fuse.unlink.behind.early", UnlinkBehindMetrics.class, c -> source.earlyUnlinks())
        .description("unlinks answered before the metadata service applied them")
        .register(Metrics.globalRegistry);
    FunctionCounter.builder(
            "j3fs.fuse.create.behind.early", UnlinkBehindMetrics.class, c -> source.earlyCreates())
        .description("creates answered before the metadata service applied them")
        .register(Metrics.globalRegistry);
    FunctionCounter.builder(
            "j3fs.fuse.unlink.behind.refused",
            UnlinkBehindMetrics.class,
            c -> source.refusedUnlinks())
        .description("unlinks and creates answered early that the service did not apply")
        .register(Metrics.globalRegistry);
    FunctionCounter.builder(
            "j3fs.fuse.unlink.behind.batches", UnlinkBehindMetrics.class, c -> source.batches())
        .description("batches of unlinks applied")
        .register(Metrics.globalRegistry);
    FunctionCounter.builder(
            "j3fs.fuse.unlink.behind.leases", UnlinkBehindMetrics.class, c -> source.leases())
        .description("directory leases taken")
        .register(Metrics.globalRegistry);
    Gauge.builder("j3fs.fuse.unlink.behind.held", UnlinkBehindMetrics.class, c -> source.held())
        .description("directories whose lease this mount holds")
        .register(Metrics.globalRegistry);
  }
}
