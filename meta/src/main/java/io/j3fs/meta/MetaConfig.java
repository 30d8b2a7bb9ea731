package io.j3fs.meta;

import io.j3fs.common.id.NodeId;
import io.j3fs.kv.KvSettings;
import io.j3fs.meta.service.MetaServer;
import io.j3fs.net.Endpoint;
import java.util.List;

/**
 * The metadata service's TOML file ({@code j3fs meta --config meta.toml}).
 *
 * @param nodeId this instance's node id (required, positive)
 * @param listen address to listen on, {@code host:port} (required)
 * @param advertise address clients reach this instance at (default: listen)
 * @param mgmtd every mgmtd address (required)
 * @param kv the KV store ({@code [kv]} table): RocksDB for one instance, PostgreSQL for several
 * @param chainTableId the chain table new files use (default 1)
 * @param chunkSizeBytes default chunk size of new files (default 1048576)
 * @param stripeSize default chains per file (default 4)
 * @param gcIntervalMs pause between GC passes (default 1000)
 * @param gcDelayMs how long a removed file waits before its chunks go (default 0)
 * @param dirLeaseMs how long a directory lease (unlink-behind) lasts unrenewed (default 5000; 0: no
 *     leases, every unlink waits for its commit)
 * @param heartbeatIntervalMs heartbeat and routing refresh period (default 10000)
 * @param sessionPruneIntervalMs how often write sessions of clients mgmtd no longer knows end
 *     (default 300000)
 * @param token shared secret of the cluster (default none)
 * @param metricsListen {@code host:port} to serve Prometheus metrics on at /metrics (default: off)
 */
public record MetaConfig(
    Long nodeId,
    String listen,
    String advertise,
    List<String> mgmtd,
    KvSettings kv,
    Integer chainTableId,
    Integer chunkSizeBytes,
    Integer stripeSize,
    Long gcIntervalMs,
    Long gcDelayMs,
    Long dirLeaseMs,
    Long heartbeatIntervalMs,
    Long sessionPruneIntervalMs,
    String token,
    String metricsListen) {
  public MetaConfig {
    if (nodeId == null || nodeId <= 0) {
      throw new IllegalArgumentException("node_id is required and must be positive");
    }
    if (listen == null) {
      throw new IllegalArgumentException("listen is required, as host:port");
    }
    Endpoint.parse(listen);
    advertise = advertise == null ? listen : advertise;
    if (mgmtd == null || mgmtd.isEmpty()) {
      throw new IllegalArgumentException("mgmtd is required: a list of host:port addresses");
    }
    if (kv == null) {
      throw new IllegalArgumentException("the [kv] table is required");
    }
    chainTableId = chainTableId == null ? 1 : chainTableId;
    chunkSizeBytes = chunkSizeBytes == null ? 1 << 20 : chunkSizeBytes;
    stripeSize = stripeSize == null ? 4 : stripeSize;
    gcIntervalMs = positive("gc_interval_ms", gcIntervalMs, 1_000);
    gcDelayMs = gcDelayMs == null ? 0 : gcDelayMs;
    dirLeaseMs = dirLeaseMs == null ? MetaSettings.DEFAULT.dirLeaseMs() : dirLeaseMs;
    heartbeatIntervalMs = positive("heartbeat_interval_ms", heartbeatIntervalMs, 10_000);
    sessionPruneIntervalMs = positive("session_prune_interval_ms", sessionPruneIntervalMs, 300_000);
    token = token == null ? "" : token;
    if (metricsListen != null && !metricsListen.isBlank()) {
      try {
        io.j3fs.net.Endpoint.parse(metricsListen);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("metrics_listen: " + e.getMessage());
      }
    }
    settings(chainTableId, chunkSizeBytes, stripeSize, gcDelayMs, dirLeaseMs); // checks them
  }

  private static long positive(String key, Long value, long fallback) {
    long v = value == null ? fallback : value;
    if (v <= 0) {
      throw new IllegalArgumentException(key + " must be positive, not " + v);
    }
    return v;
  }

  private static MetaSettings settings(
      int table, int chunk, int stripe, long gcDelayMs, long dirLeaseMs) {
    MetaSettings d = MetaSettings.DEFAULT;
    return new MetaSettings(
        table,
        chunk,
        stripe,
        d.listPageSize(),
        d.maxListPageSize(),
        gcDelayMs,
        d.idempotencyTtlMs(),
        dirLeaseMs);
  }

  public List<Endpoint> mgmtdEndpoints() {
    return mgmtd.stream().map(Endpoint::parse).toList();
  }

  public MetaServer.Config serverConfig() {
    return new MetaServer.Config(
        NodeId.of(nodeId),
        advertise,
        settings(chainTableId, chunkSizeBytes, stripeSize, gcDelayMs, dirLeaseMs),
        gcIntervalMs,
        64,
        heartbeatIntervalMs,
        sessionPruneIntervalMs);
  }
}
