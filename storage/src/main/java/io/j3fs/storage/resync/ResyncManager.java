package io.j3fs.storage.resync;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.RpcClient;
import io.j3fs.storage.target.StorageTarget;
import io.j3fs.storage.target.TargetMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts resync where this node is the predecessor of a syncing target: after every routing change,
 * and again (after a pause) when a run fails while the successor still syncs. At most one run per
 * local target at a time.
 */
public final class ResyncManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResyncManager.class);

  private final RpcClient rpc;
  private final TargetMap targets;
  private final long rpcTimeoutMs;
  private final long retryDelayMs;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  /** Local target id → the chain version and successor its running resync is for. */
  private final Map<Long, String> running = new ConcurrentHashMap<>();

  /** Local target id → when its last run finished (System.nanoTime), to let its effect settle. */
  private final Map<Long, Long> finishedAtNanos = new ConcurrentHashMap<>();

  private final java.util.concurrent.ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("resync-sweep").factory());

  private final AtomicLong completed = new AtomicLong();
  private volatile boolean closed;

  public ResyncManager(RpcClient rpc, TargetMap targets, long rpcTimeoutMs, long retryDelayMs) {
    this.rpc = rpc;
    this.targets = targets;
    this.rpcTimeoutMs = rpcTimeoutMs;
    this.retryDelayMs = retryDelayMs;
    sweeper.scheduleWithFixedDelay(
        () -> {
          try {
            onRouting(targets.routing());
          } catch (RuntimeException e) {
            log.warn("resync sweep failed: {}", e.toString());
          }
        },
        retryDelayMs,
        retryDelayMs,
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Resyncs finished so far. */
  public long completed() {
    return completed.get();
  }

  /** Called after routing info is applied. */
  public void onRouting(RoutingInfo routing) {
    for (StorageTarget target : targets.all()) {
      maybeStart(target, routing);
    }
  }

  private void maybeStart(StorageTarget target, RoutingInfo routing) {
    RoutingInfo.Chain chain = target.chainInfo();
    if (closed || chain == null || !target.readable()) {
      return;
    }
    RoutingInfo.Member successor = chain.successor(target.id());
    if (successor == null || successor.state() != PublicState.SYNCING) {
      return;
    }
    RoutingInfo.Node node = routing.nodeOf(successor.target());
    if (node == null) {
      return;
    }
    RoutingInfo.Target reported = routing.targets().get(successor.target());
    if (reported != null && reported.localState() == io.j3fs.common.cluster.LocalState.UP_TO_DATE) {
      return; // done; mgmtd makes it serving at its next chain update
    }
    Long finishedAt = finishedAtNanos.get(target.id().value());
    if (finishedAt != null && System.nanoTime() - finishedAt < settleNanos()) {
      return;
    }
    String key = chain.version() + ":" + successor.target();
    if (running.putIfAbsent(target.id().value(), key) != null) {
      return;
    }
    executor.execute(
        () -> {
          boolean ok = false;
          try {
            log.info(
                "resync of chain {} v{}: target {} -> {}",
                chain.id(),
                chain.version(),
                target.id(),
                successor.target());
            ResyncWorker.Outcome outcome =
                new ResyncWorker(rpc, target, chain, node.endpoint(), rpcTimeoutMs).run();
            completed.incrementAndGet();
            finishedAtNanos.put(target.id().value(), System.nanoTime());
            ok = true;
            log.info(
                "resync of chain {} done: {} chunks sent ({} bytes), {} removed",
                chain.id(),
                outcome.chunksSent(),
                outcome.bytesSent(),
                outcome.chunksRemoved());
          } catch (StatusException | IllegalArgumentException e) {
            log.warn(
                "resync of chain {} to {} failed: {}",
                chain.id(),
                successor.target(),
                e.toString());
          } finally {
            running.remove(target.id().value());
          }
          if (!ok && !closed) {
            try {
              Thread.sleep(retryDelayMs);
            } catch (InterruptedException e) {
              return;
            }
            maybeStart(target, targets.routing());
          }
        });
  }

  /** Time for a finished run to show in routing info (SyncDone, heartbeat, chain update). */
  private long settleNanos() {
    return retryDelayMs * 4 * 1_000_000;
  }

  @Override
  public void close() {
    closed = true;
    sweeper.shutdownNow();
    executor.shutdownNow();
  }
}
