package io.j3fs.net.netty;

import com.google.protobuf.Message;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.proto.WireMethod;
import io.netty.buffer.ByteBuf;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Netty RPC client: per peer, a small pool of connections that calls are spread over round-robin; a
 * broken connection is replaced on the next call, after a backoff when connecting itself failed.
 */
final class NettyClient implements RpcClient {
  private final NettyTransport transport;
  private final ClientOptions options;
  private final Map<Endpoint, PeerPool> peers = new ConcurrentHashMap<>();
  private volatile boolean closed;

  NettyClient(NettyTransport transport, ClientOptions options) {
    this.transport = transport;
    this.options = options;
  }

  @Override
  public CompletableFuture<RpcReply> call(
      Endpoint peer, WireMethod method, Message request, ByteBuf payload, long timeoutMs) {
    NettyConnection connection;
    try {
      if (closed) {
        throw new StatusException(StatusCode.CANCELLED, "RPC client is closed");
      }
      connection = peers.computeIfAbsent(peer, PeerPool::new).pick();
    } catch (StatusException e) {
      payload.release();
      return CompletableFuture.failedFuture(e);
    }
    return connection.call(method, request, payload, timeoutMs);
  }

  @Override
  public void close() {
    closed = true;
    for (PeerPool pool : peers.values()) {
      pool.close();
    }
    peers.clear();
  }

  /** The connections to one peer. */
  private final class PeerPool {
    private final Endpoint peer;
    private final NettyConnection[] slots;
    private final long[] retryAtNanos;
    private final long[] backoffMs;
    private final String[] lastFailure;
    private int next;

    PeerPool(Endpoint peer) {
      this.peer = peer;
      this.slots = new NettyConnection[options.connectionsPerPeer()];
      this.retryAtNanos = new long[slots.length];
      this.backoffMs = new long[slots.length];
      this.lastFailure = new String[slots.length];
      java.util.Arrays.fill(backoffMs, options.reconnectInitialBackoffMs());
    }

    synchronized NettyConnection pick() {
      int slot = next;
      next = (next + 1) % slots.length;
      NettyConnection connection = slots[slot];
      if (connection != null && !connection.isBroken()) {
        return connection;
      }
      long now = System.nanoTime();
      if (now < retryAtNanos[slot]) {
        throw new StatusException(
            StatusCode.UNAVAILABLE,
            "reconnecting to "
                + peer
                + " in "
                + TimeUnit.NANOSECONDS.toMillis(retryAtNanos[slot] - now)
                + " ms; last failure: "
                + lastFailure[slot]);
      }
      NettyConnection fresh = NettyConnection.connect(transport, peer, options);
      slots[slot] = fresh;
      fresh.whenBroken(
          (wasReady, reason) -> {
            synchronized (PeerPool.this) {
              lastFailure[slot] = reason;
              if (wasReady) {
                // It worked before: try again at once, with the backoff reset.
                backoffMs[slot] = options.reconnectInitialBackoffMs();
                retryAtNanos[slot] = 0;
              } else {
                retryAtNanos[slot] =
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs[slot]);
                backoffMs[slot] = Math.min(options.reconnectMaxBackoffMs(), backoffMs[slot] * 2);
              }
            }
          });
      return fresh;
    }

    synchronized void close() {
      for (NettyConnection connection : slots) {
        if (connection != null) {
          connection.close();
        }
      }
    }
  }
}
