package io.j3fs.mgmtd;

import io.j3fs.kv.KvSettings;
import io.j3fs.mgmtd.lease.LeaseElection;
import io.j3fs.mgmtd.service.MgmtdServer;

/**
 * The cluster manager's TOML file ({@code j3fs mgmtd --config mgmtd.toml}). Defaults are 3FS's.
 *
 * @param nodeId this instance's node id (required, positive)
 * @param listen address to listen on, {@code host:port} (required)
 * @param kv the shared KV store ({@code [kv]} table)
 * @param leaseLengthMs primary lease length (default 60000)
 * @param extendIntervalMs how often the primary extends its lease and runs its checks (default
 *     10000)
 * @param heartbeatFailIntervalMs a node silent this long is failed (default 60000)
 * @param tickIntervalMs how often this instance runs its periodic work (default 1000)
 * @param clientSessionTimeoutMs a client that does not extend its session this long is gone
 *     (default 1200000)
 * @param token shared secret clients must present (default none)
 * @param metricsListen {@code host:port} to serve Prometheus metrics on at /metrics (default: off)
 */
public record MgmtdConfig(
    Long nodeId,
    String listen,
    KvSettings kv,
    Long leaseLengthMs,
    Long extendIntervalMs,
    Long heartbeatFailIntervalMs,
    Long tickIntervalMs,
    Long clientSessionTimeoutMs,
    String token,
    String metricsListen) {
  public MgmtdConfig {
    if (nodeId == null || nodeId <= 0) {
      throw new IllegalArgumentException("node_id is required and must be positive");
    }
    if (listen == null || !listen.contains(":")) {
      throw new IllegalArgumentException("listen is required, as host:port");
    }
    if (kv == null) {
      throw new IllegalArgumentException("the [kv] table is required");
    }
    leaseLengthMs = leaseLengthMs == null ? 60_000 : leaseLengthMs;
    extendIntervalMs = extendIntervalMs == null ? 10_000 : extendIntervalMs;
    heartbeatFailIntervalMs = heartbeatFailIntervalMs == null ? 60_000 : heartbeatFailIntervalMs;
    tickIntervalMs = tickIntervalMs == null ? 1_000 : tickIntervalMs;
    clientSessionTimeoutMs = clientSessionTimeoutMs == null ? 20 * 60_000 : clientSessionTimeoutMs;
    if (clientSessionTimeoutMs <= 0) {
      throw new IllegalArgumentException("client_session_timeout_ms must be positive");
    }
    token = token == null ? "" : token;
    if (metricsListen != null && !metricsListen.isBlank()) {
      try {
        io.j3fs.net.Endpoint.parse(metricsListen);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("metrics_listen: " + e.getMessage());
      }
    }
    if (leaseLengthMs < 2 * extendIntervalMs) {
      throw new IllegalArgumentException(
          "lease_length_ms must be at least twice extend_interval_ms");
    }
    if (tickIntervalMs <= 0 || tickIntervalMs > extendIntervalMs) {
      throw new IllegalArgumentException(
          "tick_interval_ms must be positive and at most extend_interval_ms");
    }
    if (heartbeatFailIntervalMs <= 0) {
      throw new IllegalArgumentException("heartbeat_fail_interval_ms must be positive");
    }
  }

  public MgmtdServer.Config serverConfig() {
    return new MgmtdServer.Config(
        new LeaseElection.Config(leaseLengthMs, extendIntervalMs),
        heartbeatFailIntervalMs,
        clientSessionTimeoutMs);
  }
}
