package io.j3fs.client.mgmtd;

import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.mgmtd.HeartbeatReq;
import io.j3fs.proto.mgmtd.LocalTargetInfo;
import io.j3fs.proto.mgmtd.RegisterNodeReq;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every service process does with mgmtd: registers its node, heartbeats (storage nodes with
 * their targets' local states), keeps the routing info fresh, and picks up new versions of its
 * service type's config. {@link #runOnce()} is one round of it (tests drive it directly); {@link
 * #start()} runs rounds on a background thread.
 *
 * <p>Heartbeats run every {@code heartbeatIntervalMs} (3FS: 10 s); routing and config are checked
 * every {@code refreshIntervalMs} (3FS: 10 s) and whenever a heartbeat answers a newer routing
 * version.
 */
public final class ServiceAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServiceAgent.class);

  /** Who this node is and how often it reports. */
  public record Config(
      NodeId nodeId,
      NodeType type,
      String address,
      List<String> tags,
      long heartbeatIntervalMs,
      long refreshIntervalMs) {
    public Config {
      tags = List.copyOf(tags);
      if (heartbeatIntervalMs <= 0 || refreshIntervalMs <= 0) {
        throw new IllegalArgumentException("heartbeat and refresh intervals must be positive");
      }
    }
  }

  private final MgmtdClient mgmtd;
  private final Config config;
  private final Supplier<List<LocalTargetInfo>> targets;
  private final Consumer<MgmtdClient.ConfigUpdate> onConfig;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("mgmtd-agent").factory());
  private volatile boolean registered;
  private volatile long configVersion;
  private long lastRefreshMs = Long.MIN_VALUE / 2;

  /**
   * @param targets the local state of each target on this node, asked before every heartbeat (empty
   *     for services without targets)
   * @param onConfig hears each newer config version of this node's type
   */
  public ServiceAgent(
      MgmtdClient mgmtd,
      Config config,
      Supplier<List<LocalTargetInfo>> targets,
      Consumer<MgmtdClient.ConfigUpdate> onConfig) {
    this.mgmtd = mgmtd;
    this.config = config;
    this.targets = targets;
    this.onConfig = onConfig;
  }

  /** Registers now (so that the caller knows mgmtd accepted it), then reports in the background. */
  public void start() {
    register();
    runOnce();
    scheduler.scheduleWithFixedDelay(
        this::runQuietly,
        config.heartbeatIntervalMs(),
        config.heartbeatIntervalMs(),
        TimeUnit.MILLISECONDS);
  }

  private void runQuietly() {
    try {
      runOnce();
    } catch (RuntimeException e) {
      log.warn("mgmtd round of node {} failed: {}", config.nodeId(), e.toString());
    }
  }

  private void register() {
    mgmtd.call(
        "Mgmtd.RegisterNode",
        RegisterNodeReq.newBuilder()
            .setNodeId(config.nodeId().value())
            .setType(config.type().name())
            .setAddress(config.address())
            .addAllTags(config.tags())
            .build(),
        io.j3fs.proto.mgmtd.RegisterNodeRsp.class);
    registered = true;
  }

  /** One round: register if needed, heartbeat, and refresh routing and config when due. */
  public void runOnce() {
    if (!registered) {
      register();
    }
    try {
      mgmtd.heartbeat(
          HeartbeatReq.newBuilder()
              .setNodeId(config.nodeId().value())
              .addAllTargets(targets.get())
              .build());
    } catch (StatusException e) {
      if (e.code() == StatusCode.NOT_FOUND) {
        registered = false; // mgmtd lost us (a wiped store): register again next round
      }
      throw e;
    }
    long now = System.nanoTime() / 1_000_000;
    if (now - lastRefreshMs >= config.refreshIntervalMs()) {
      lastRefreshMs = now;
      mgmtd.refreshRouting();
      checkConfig();
    }
  }

  /** Fetches this node type's config if a newer version exists, and hands it on. */
  public void checkConfig() {
    mgmtd
        .fetchConfig(config.type(), configVersion)
        .ifPresent(
            update -> {
              configVersion = update.version();
              onConfig.accept(update);
            });
  }

  /** The mgmtd client this agent reports through (its routing cache is this node's). */
  public MgmtdClient mgmtdClient() {
    return mgmtd;
  }

  /** The config version last handed on (0: none yet). */
  public long configVersion() {
    return configVersion;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
