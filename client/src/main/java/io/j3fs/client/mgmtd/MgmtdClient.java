package io.j3fs.client.mgmtd;

import com.google.protobuf.Message;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.proto.mgmtd.GetConfigReq;
import io.j3fs.proto.mgmtd.GetConfigRsp;
import io.j3fs.proto.mgmtd.GetPrimaryMgmtdReq;
import io.j3fs.proto.mgmtd.GetPrimaryMgmtdRsp;
import io.j3fs.proto.mgmtd.GetRoutingInfoReq;
import io.j3fs.proto.mgmtd.GetRoutingInfoRsp;
import io.j3fs.proto.mgmtd.HeartbeatReq;
import io.j3fs.proto.mgmtd.HeartbeatRsp;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * How clients and services talk to the cluster manager: finds the primary among the configured
 * instances (any instance names it), retries across failover with bounded attempts and backoff, and
 * keeps the routing info cache.
 *
 * <p>The cache is refreshed when a newer routing version is seen ({@link #onRoutingVersion}: the
 * answer to every heartbeat carries it), when a server answers ROUTING_VERSION_MISMATCH ({@link
 * #onRoutingVersionMismatch}), and periodically by whoever owns the client ({@link
 * #refreshRouting}). Listeners hear every new snapshot, in version order.
 *
 * <p>Thread-safe. Calls block the caller (virtual threads are the intended callers).
 */
public final class MgmtdClient {
  /**
   * @param mgmtds the instances to try, any order
   * @param rpcTimeoutMs deadline of one call
   * @param maxAttempts calls made for one operation before giving up (failover takes a few)
   * @param initialBackoffMs wait after the first retriable failure, doubling up to maxBackoffMs
   */
  public record Config(
      List<Endpoint> mgmtds,
      long rpcTimeoutMs,
      int maxAttempts,
      long initialBackoffMs,
      long maxBackoffMs) {
    public Config {
      mgmtds = List.copyOf(mgmtds);
      if (mgmtds.isEmpty()) {
        throw new IllegalArgumentException("at least one mgmtd address is needed");
      }
      if (rpcTimeoutMs <= 0 || maxAttempts < 1 || initialBackoffMs < 0 || maxBackoffMs < 0) {
        throw new IllegalArgumentException(
            "rpc timeout and attempts must be positive, backoffs not negative");
      }
    }

    /** 5 s calls, 20 attempts with backoff from 50 ms to 2 s: rides out a lease failover. */
    public static Config of(List<Endpoint> mgmtds) {
      return new Config(mgmtds, 5_000, 20, 50, 2_000);
    }
  }

  private final RpcClient rpc;
  private final Config config;
  private volatile Endpoint primary;
  private final AtomicReference<RoutingInfo> routing = new AtomicReference<>(RoutingInfo.EMPTY);
  private final ReentrantLock refreshLock = new ReentrantLock();
  private final List<Consumer<RoutingInfo>> listeners = new CopyOnWriteArrayList<>();

  public MgmtdClient(RpcClient rpc, Config config) {
    this.rpc = rpc;
    this.config = config;
  }

  /**
   * Calls a mgmtd method on the primary. NOT_PRIMARY, LEASE_LOST and transport failures move on to
   * the primary another instance names, or to the next instance; other failures are thrown as they
   * come. After {@code maxAttempts} the last failure is thrown.
   */
  public <T extends Message> T call(String method, Message request, Class<T> type) {
    StatusException last = null;
    long backoffMs = config.initialBackoffMs();
    int next = ThreadLocalRandom.current().nextInt(config.mgmtds().size());
    for (int attempt = 0; attempt < config.maxAttempts(); attempt++) {
      Endpoint target = primary;
      if (target == null) {
        target = findPrimary(next++);
      }
      if (target != null) {
        try {
          T answer = rpc.invoke(target, method, request, type, config.rpcTimeoutMs());
          primary = target;
          return answer;
        } catch (StatusException e) {
          if (!failover(e.code())) {
            throw e;
          }
          last = e;
          primary = null;
        }
      }
      if (attempt > 0 || target == null) {
        sleep(backoffMs);
        backoffMs = Math.min(config.maxBackoffMs(), Math.max(1, backoffMs * 2));
      }
    }
    throw new StatusException(
        last == null ? StatusCode.UNAVAILABLE : last.code(),
        method
            + " failed after "
            + config.maxAttempts()
            + " attempts on mgmtd "
            + config.mgmtds()
            + (last == null ? ": no instance names a primary" : ": " + last.getMessage()));
  }

  /** Whether a failure means "try the primary elsewhere". */
  private static boolean failover(StatusCode code) {
    return code == StatusCode.NOT_PRIMARY
        || code == StatusCode.LEASE_LOST
        || code == StatusCode.UNAVAILABLE
        || code == StatusCode.TIMEOUT
        || code == StatusCode.BUSY;
  }

  /** Asks instances (starting at {@code start}) which is primary; null if none knows. */
  private Endpoint findPrimary(int start) {
    List<Endpoint> all = config.mgmtds();
    for (int i = 0; i < all.size(); i++) {
      Endpoint ask = all.get(Math.floorMod(start + i, all.size()));
      try {
        GetPrimaryMgmtdRsp answer =
            rpc.invoke(
                ask,
                "Mgmtd.GetPrimaryMgmtd",
                GetPrimaryMgmtdReq.getDefaultInstance(),
                GetPrimaryMgmtdRsp.class,
                config.rpcTimeoutMs());
        return Endpoint.parse(answer.getAddress());
      } catch (StatusException | IllegalArgumentException e) {
        // this one is down or knows no primary: ask the next
      }
    }
    return null;
  }

  private static void sleep(long ms) {
    if (ms <= 0) {
      return;
    }
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, "interrupted while waiting to retry mgmtd");
    }
  }

  /** The cached routing info (EMPTY before the first refresh). */
  public RoutingInfo routing() {
    return routing.get();
  }

  /** Hears every new routing snapshot after it is installed (called on the refreshing thread). */
  public void addRoutingListener(Consumer<RoutingInfo> listener) {
    listeners.add(listener);
  }

  /**
   * Fetches routing info if mgmtd has a newer version than the cache, installs it and tells the
   * listeners. Concurrent refreshes collapse into one. Returns the snapshot now cached.
   */
  public RoutingInfo refreshRouting() {
    refreshLock.lock();
    try {
      RoutingInfo current = routing.get();
      GetRoutingInfoRsp answer =
          call(
              "Mgmtd.GetRoutingInfo",
              GetRoutingInfoReq.newBuilder().setKnownVersion(current.version()).build(),
              GetRoutingInfoRsp.class);
      if (answer.getUnchanged() || answer.getVersion() == current.version()) {
        return current;
      }
      // A new primary starts above every version its predecessors published, so versions only
      // move forward; an older answer (from a deposed primary) is ignored.
      if (answer.getVersion() < current.version()) {
        return current;
      }
      RoutingInfo next = RoutingInfo.fromProto(answer);
      routing.set(next);
      for (Consumer<RoutingInfo> listener : listeners) {
        listener.accept(next);
      }
      return next;
    } finally {
      refreshLock.unlock();
    }
  }

  /** A routing version was seen (heartbeat answer, a peer): refreshes if it is newer. */
  public void onRoutingVersion(long seen) {
    if (seen > routing.get().version()) {
      refreshRouting();
    }
  }

  /** A server said our routing info is stale: refreshes now. */
  public RoutingInfo onRoutingVersionMismatch() {
    return refreshRouting();
  }

  /** Sends a heartbeat and follows the routing version it answers with. */
  public HeartbeatRsp heartbeat(HeartbeatReq request) {
    HeartbeatRsp answer = call("Mgmtd.Heartbeat", request, HeartbeatRsp.class);
    onRoutingVersion(answer.getRoutingVersion());
    return answer;
  }

  /** A config version and its content. */
  public record ConfigUpdate(long version, String content) {}

  /**
   * The latest config of a type of service, if it is newer than {@code knownVersion}; empty if it
   * is not, or if none was ever set.
   */
  public Optional<ConfigUpdate> fetchConfig(NodeType type, long knownVersion) {
    try {
      GetConfigRsp answer =
          call(
              "Mgmtd.GetConfig",
              GetConfigReq.newBuilder()
                  .setNodeType(type.name())
                  .setKnownVersion(knownVersion)
                  .build(),
              GetConfigRsp.class);
      if (answer.getUnchanged() || answer.getVersion() <= knownVersion) {
        return Optional.empty();
      }
      return Optional.of(new ConfigUpdate(answer.getVersion(), answer.getContent()));
    } catch (StatusException e) {
      if (e.code() == StatusCode.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
