package io.j3fs.storage.service;

import io.j3fs.common.cluster.LocalState;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.target.StorageTarget;
import io.j3fs.storage.target.TargetMap;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * A storage node's figures, read from its targets at each scrape (so targets added later count):
 * bytes read and written, checksum mismatches, chunks and used bytes summed over the node's chunk
 * engines, and targets by local state. Names start {@code j3fs.storage}.
 */
final class StorageMetrics {
  private StorageMetrics() {}

  static void register(MeterRegistry registry, TargetMap targets, String node) {
    counter(
        registry,
        "j3fs.storage.bytes.read",
        "chunk bytes read",
        targets,
        node,
        ChunkEngine::bytesRead);
    counter(
        registry,
        "j3fs.storage.bytes.written",
        "chunk bytes written",
        targets,
        node,
        ChunkEngine::bytesWritten);
    counter(
        registry,
        "j3fs.storage.checksum.mismatches",
        "blocks that did not match their checksum on read",
        targets,
        node,
        ChunkEngine::checksumMismatches);
    gauge(
        registry, "j3fs.storage.chunks", "chunks held", targets, node, e -> e.space().chunkCount());
    gauge(
        registry,
        "j3fs.storage.used.bytes",
        "slot bytes in use",
        targets,
        node,
        e -> e.space().usedBytes());
    for (LocalState state : LocalState.values()) {
      Gauge.builder(
              "j3fs.storage.targets",
              targets,
              t -> t.all().stream().filter(x -> x.localState() == state).count())
          .description("targets of this node by local state")
          .tag("node", node)
          .tag("state", state.name())
          .register(registry);
    }
  }

  private static double sum(TargetMap targets, ToDoubleFunction<ChunkEngine> f) {
    double total = 0;
    for (StorageTarget t : targets.all()) {
      total += f.applyAsDouble(t.engine());
    }
    return total;
  }

  private static void counter(
      MeterRegistry registry,
      String name,
      String description,
      TargetMap targets,
      String node,
      ToDoubleFunction<ChunkEngine> f) {
    FunctionCounter.builder(name, targets, t -> sum(t, f))
        .description(description)
        .tag("node", node)
        .register(registry);
  }

  private static void gauge(
      MeterRegistry registry,
      String name,
      String description,
      TargetMap targets,
      String node,
      ToDoubleFunction<ChunkEngine> f) {
    Gauge.builder(name, targets, t -> sum(t, f))
        .description(description)
        .tag("node", node)
        .register(registry);
  }
}
