package io.j3fs.client.meta;

import com.google.protobuf.Message;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.proto.meta.RequestId;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Calls the metadata service: any instance will do (they share one store), so a call goes to a
 * random live META node of the routing info and, when that one is unreachable or busy, to the next,
 * with backoff, until {@code retryTotalMs}. Mutations carry this client's id and a request id that
 * stays the same across the retries of one call, so a retry after a lost answer is not applied
 * twice.
 *
 * <p>A thread that has {@link #DIRECT} bound makes its calls on its own {@link DirectMetaLinks}
 * instead: one attempt, on the calling thread, declined when it cannot answer.
 *
 * <p>Thread-safe; calls block (virtual threads).
 */
public final class MetaClient {
  /** Bound on a thread whose calls take its own direct links (see {@link DirectMetaLinks}). */
  public static final ScopedValue<DirectMetaLinks> DIRECT = ScopedValue.newInstance();

  /**
   * @param rpcTimeoutMs deadline of one attempt
   * @param retryTotalMs how long one call may keep retrying
   */
  public record Config(
      long rpcTimeoutMs, long retryTotalMs, long initialBackoffMs, long maxBackoffMs) {
    public static final Config DEFAULT = new Config(10_000, 60_000, 10, 1_000);
  }

  private final RpcClient rpc;
  private final Supplier<RoutingInfo> routing;
  private final Runnable refresh;
  private final String clientId;
  private final Config config;
  private final ClientOptions directOptions;
  private final AtomicLong requests = new AtomicLong();

  /**
   * @param routing the routing info to find META nodes in
   * @param refresh asks mgmtd for newer routing info (when no instance answers)
   */
  public MetaClient(
      RpcClient rpc,
      Supplier<RoutingInfo> routing,
      Runnable refresh,
      String clientId,
      Config config) {
    this(rpc, routing, refresh, clientId, config, null);
  }

  /**
   * @param directOptions the settings {@code rpc}'s connections were made with, when they go over a
   *     real network without TLS; then {@link #newDirectLinks} can make direct links beside it
   *     (null: it cannot)
   */
  public MetaClient(
      RpcClient rpc,
      Supplier<RoutingInfo> routing,
      Runnable refresh,
      String clientId,
      Config config,
      ClientOptions directOptions) {
    this.rpc = rpc;
    this.routing = routing;
    this.refresh = refresh;
    this.clientId = clientId;
    this.config = config;
    this.directOptions =
        directOptions == null || directOptions.ssl() != null ? null : directOptions;
  }

  /**
   * Direct links for one thread, for {@code reads} and {@code mutations} (see {@link
   * DirectMetaLinks}), or null when this client's servers cannot be reached that way (an in-process
   * network, or TLS).
   */
  public DirectMetaLinks newDirectLinks(long timeoutMs, Set<String> reads, Set<String> mutations) {
    return directOptions == null
        ? null
        : new DirectMetaLinks(directOptions, timeoutMs, reads, mutations, System::nanoTime);
  }

  public String clientId() {
    return clientId;
  }

  /** A new request id for one mutation (reuse it only for retries of that same mutation). */
  public RequestId newRequest() {
    return RequestId.newBuilder()
        .setClientId(clientId)
        .setRequestId(requests.incrementAndGet())
        .build();
  }

  /** Calls {@code Meta.<method>}; failures of the operation itself come back as they are. */
  public <T extends Message> T call(String method, Message request, Class<T> type) {
    if (DIRECT.isBound()) {
      return DIRECT.get().call(liveMetaEndpoints(), method, request, type);
    }
    long deadline = System.nanoTime() + config.retryTotalMs() * 1_000_000;
    long backoffMs = config.initialBackoffMs();
    int attempt = ThreadLocalRandom.current().nextInt(1 << 16);
    while (true) {
      List<Endpoint> metas = liveMetaEndpoints();
      StatusException failure;
      if (metas.isEmpty()) {
        failure = new StatusException(StatusCode.UNAVAILABLE, "no metadata server is registered");
      } else {
        Endpoint server = metas.get(Math.floorMod(attempt++, metas.size()));
        try {
          return rpc.invoke(server, "Meta." + method, request, type, config.rpcTimeoutMs());
        } catch (StatusException e) {
          if (!e.code().retriable()) {
            throw e;
          }
          failure = e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new StatusException(
            failure.code(),
            "Meta."
                + method
                + " gave up after "
                + config.retryTotalMs()
                + " ms: "
                + failure.getMessage());
      }
      refresh.run();
      sleep(backoffMs);
      backoffMs = Math.min(config.maxBackoffMs(), backoffMs * 2);
    }
  }

  /** The endpoints of the live META nodes of one routing info, worked out once per routing info. */
  private record LiveMetas(RoutingInfo routing, List<Endpoint> endpoints) {
    static LiveMetas of(RoutingInfo routing) {
      return new LiveMetas(
          routing,
          routing.nodesOfType(NodeType.META).stream()
              .filter(n -> !n.failed() && !n.disabled())
              .map(RoutingInfo.Node::endpoint)
              .toList());
    }
  }

  /**
   * The last routing info's live META nodes: every metadata call asks, and filtering the routing
   * info's nodes each time was a few percent of a FUSE daemon's CPU under a create load.
   */
  private volatile LiveMetas live;

  private List<Endpoint> liveMetaEndpoints() {
    RoutingInfo now = routing.get();
    LiveMetas known = live;
    if (known == null || known.routing() != now) {
      known = LiveMetas.of(now);
      live = known;
    }
    return known.endpoints();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(Math.max(1, ms));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, "interrupted while retrying");
    }
  }
}
