package io.j3fs.storage;

import io.j3fs.common.id.NodeId;
import io.j3fs.net.Endpoint;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.craq.Forwarder;
import io.j3fs.storage.service.StorageServer;
import java.nio.file.Path;
import java.util.List;

/**
 * The storage service's TOML file ({@code j3fs storage --config storage.toml}). Defaults follow 3FS
 * where it has one.
 *
 * @param nodeId this node's id (required, positive)
 * @param listen address to listen on, {@code host:port} (required)
 * @param advertise address other nodes and clients reach this node at (default: listen)
 * @param mgmtd every mgmtd address, {@code host:port} (required)
 * @param targetPaths one directory per disk; targets live in {@code target-<id>} under them; a
 *     target's disk index is its path's position here (required)
 * @param fsync {@code none} (default: an acknowledged write survives a process crash; replicas on
 *     other machines cover a machine crash) or {@code always} (fsync data and metadata before
 *     acknowledging)
 * @param verifyReads check block checksums on every read (default true)
 * @param directReads read chunk data with O_DIRECT, bypassing the page cache, as 3FS does (default
 *     false: through the page cache, which suits small machines where the storage service shares
 *     memory with clients)
 * @param capacityBytes slot bytes each target may use (default 0: the disk's free space)
 * @param reserveBytes disk space kept free on each disk (default 64 MiB)
 * @param filesPerClass data files per size class and target (default 8)
 * @param heartbeatIntervalMs heartbeat period (default 10000)
 * @param refreshIntervalMs routing info and config refresh period (default 10000)
 * @param forwardTimeoutMs how long an update may take to reach a successor (default 60000)
 * @param rpcTimeoutMs deadline of one call to another node (default 10000)
 * @param resyncRetryDelayMs pause before retrying a failed resync (default 5000)
 * @param token shared secret of the cluster (default none)
 * @param metricsListen {@code host:port} to serve Prometheus metrics on at /metrics (default: off)
 */
public record StorageConfig(
    Long nodeId,
    String listen,
    String advertise,
    List<String> mgmtd,
    List<String> targetPaths,
    String fsync,
    Boolean verifyReads,
    Boolean directReads,
    Long capacityBytes,
    Long reserveBytes,
    Integer filesPerClass,
    Long heartbeatIntervalMs,
    Long refreshIntervalMs,
    Long forwardTimeoutMs,
    Long rpcTimeoutMs,
    Long resyncRetryDelayMs,
    String token,
    String metricsListen) {
  public StorageConfig {
    if (nodeId == null || nodeId <= 0) {
      throw new IllegalArgumentException("node_id is required and must be positive");
    }
    if (listen == null) {
      throw new IllegalArgumentException("listen is required, as host:port");
    }
    endpoint("listen", listen);
    advertise = advertise == null ? listen : advertise;
    endpoint("advertise", advertise);
    if (mgmtd == null || mgmtd.isEmpty()) {
      throw new IllegalArgumentException("mgmtd is required: a list of host:port addresses");
    }
    for (String address : mgmtd) {
      endpoint("mgmtd", address);
    }
    if (targetPaths == null || targetPaths.isEmpty()) {
      throw new IllegalArgumentException("target_paths is required: one directory per disk");
    }
    fsync = fsync == null ? "none" : fsync;
    if (!fsync.equals("none") && !fsync.equals("always")) {
      throw new IllegalArgumentException(
          "fsync must be \"none\" or \"always\", not \"" + fsync + "\"");
    }
    verifyReads = verifyReads == null || verifyReads;
    directReads = directReads != null && directReads;
    capacityBytes = positiveOrZero("capacity_bytes", capacityBytes, 0);
    reserveBytes = positiveOrZero("reserve_bytes", reserveBytes, 64L << 20);
    filesPerClass = filesPerClass == null ? 8 : filesPerClass;
    if (filesPerClass < 1 || filesPerClass > 256) {
      throw new IllegalArgumentException("files_per_class must be 1-256, not " + filesPerClass);
    }
    heartbeatIntervalMs = positive("heartbeat_interval_ms", heartbeatIntervalMs, 10_000);
    refreshIntervalMs = positive("refresh_interval_ms", refreshIntervalMs, 10_000);
    forwardTimeoutMs = positive("forward_timeout_ms", forwardTimeoutMs, 60_000);
    rpcTimeoutMs = positive("rpc_timeout_ms", rpcTimeoutMs, 10_000);
    resyncRetryDelayMs = positive("resync_retry_delay_ms", resyncRetryDelayMs, 5_000);
    token = token == null ? "" : token;
    if (metricsListen != null && !metricsListen.isBlank()) {
      try {
        io.j3fs.net.Endpoint.parse(metricsListen);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("metrics_listen: " + e.getMessage());
      }
    }
  }

  private static void endpoint(String key, String value) {
    try {
      Endpoint.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage());
    }
  }

  private static long positive(String key, Long value, long fallback) {
    long v = value == null ? fallback : value;
    if (v <= 0) {
      throw new IllegalArgumentException(key + " must be positive, not " + v);
    }
    return v;
  }

  private static long positiveOrZero(String key, Long value, long fallback) {
    long v = value == null ? fallback : value;
    if (v < 0) {
      throw new IllegalArgumentException(key + " must not be negative, not " + v);
    }
    return v;
  }

  public List<Path> paths() {
    return targetPaths.stream().map(Path::of).toList();
  }

  public List<Endpoint> mgmtdEndpoints() {
    return mgmtd.stream().map(Endpoint::parse).toList();
  }

  public ChunkEngine.Config engineConfig() {
    return new ChunkEngine.Config(verifyReads, fsync.equals("always"), capacityBytes, reserveBytes);
  }

  public StorageServer.Config serverConfig() {
    return new StorageServer.Config(
        NodeId.of(nodeId),
        advertise,
        heartbeatIntervalMs,
        refreshIntervalMs,
        new Forwarder.Config(forwardTimeoutMs, rpcTimeoutMs),
        resyncRetryDelayMs);
  }
}
