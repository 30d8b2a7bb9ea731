package io.j3fs.storage.craq;

import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.WireMethod;
import io.j3fs.proto.storage.ChunkState;
import io.j3fs.proto.storage.UpdateIo;
import io.j3fs.proto.storage.UpdateReq;
import io.j3fs.proto.storage.UpdateRsp;
import io.j3fs.proto.storage.UpdateType;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.target.StorageTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;

/**
 * Sends an update applied here to this target's successor on the write path, reliably (3FS's
 * ReliableForwarding): retries with backoff (100 ms doubling to 1 s) across lost connections and
 * chain changes, re-reading the successor from the latest routing info each time, until the
 * successor answers or {@code forwardTimeoutMs} passes. A successor that misses an earlier update
 * (MISSING_UPDATE) or ends up with other bytes than this replica gets the whole chunk instead
 * (REPLACE), so replicas converge whatever they held.
 *
 * <p>Called with the chunk's update lock held, on the request's virtual thread.
 */
public final class Forwarder {
  /**
   * @param forwardTimeoutMs how long one update may take to reach the successor
   * @param rpcTimeoutMs deadline of one attempt
   */
  public record Config(long forwardTimeoutMs, long rpcTimeoutMs) {
    public static final Config DEFAULT = new Config(60_000, 10_000);
  }

  private static final WireMethod UPDATE = WireCatalog.get().method("Storage.Update");
  private static final long FIRST_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 1_000;

  private final RpcClient rpc;
  private final MgmtdClient mgmtd;
  private final Config config;
  private final LongSupplier nanoClock;
  private final java.util.function.Supplier<RoutingInfo> routing;

  public Forwarder(
      RpcClient rpc,
      MgmtdClient mgmtd,
      java.util.function.Supplier<RoutingInfo> routing,
      Config config,
      LongSupplier nanoClock) {
    this.rpc = rpc;
    this.routing = routing;
    this.mgmtd = mgmtd;
    this.config = config;
    this.nanoClock = nanoClock;
  }

  /**
   * Forwards {@code io} (with {@code payload}, borrowed) and returns the successor's state, or null
   * if this target is now the tail (nothing to forward to). {@code expected} is this replica's
   * state after the update; a successor that differs gets the whole chunk.
   */
  public ChunkState forward(StorageTarget self, UpdateIo io, ByteBuf payload, ChunkState expected) {
    long deadline = nanoClock.getAsLong() + config.forwardTimeoutMs() * 1_000_000;
    long backoffMs = FIRST_BACKOFF_MS;
    boolean replace = false;
    StatusException last = null;
    while (true) {
      RoutingInfo.Chain chain = self.chainInfo();
      if (chain == null
          || chain.writePath().stream().noneMatch(m -> m.target().equals(self.id()))) {
        throw new StatusException(
            StatusCode.ROUTING_VERSION_MISMATCH,
            "target " + self.id() + " is no longer on the write path of chain " + self.chain());
      }
      RoutingInfo.Member successor = chain.successor(self.id());
      if (successor == null) {
        return null;
      }
      RoutingInfo.Node node = routing.get().nodeOf(successor.target());
      try {
        if (node == null) {
          throw new StatusException(
              StatusCode.UNAVAILABLE, "successor " + successor.target() + " has no known node");
        }
        ChunkState state = send(self, io, payload, chain.version(), replace, node);
        if (ChunkStates.sameContent(expected, state)) {
          return state;
        }
        if (replace) {
          throw new StatusException(
              StatusCode.INTERNAL,
              "successor "
                  + successor.target()
                  + " holds other bytes of chunk even after a full replacement");
        }
        replace = true; // diverged: send the whole chunk
        continue;
      } catch (StatusException e) {
        last = e;
        switch (e.code()) {
          case MISSING_UPDATE -> {
            if (replace) {
              throw new StatusException(
                  StatusCode.INTERNAL, "successor refused a full replacement: " + e.getMessage());
            }
            replace = true;
            continue;
          }
          case ROUTING_VERSION_MISMATCH, TARGET_NOT_SERVING, NOT_CHAIN_HEAD -> refreshRouting();
          case UNAVAILABLE, TIMEOUT, BUSY, CHECKSUM_MISMATCH, CHUNK_NOT_COMMITTED -> {}
          default -> throw e;
        }
      }
      if (nanoClock.getAsLong() > deadline) {
        throw new StatusException(
            StatusCode.UNAVAILABLE,
            "could not forward to the successor of target "
                + self.id()
                + " within "
                + config.forwardTimeoutMs()
                + " ms: "
                + last.getMessage());
      }
      sleep(backoffMs);
      backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    }
  }

  private void refreshRouting() {
    try {
      mgmtd.refreshRouting();
    } catch (StatusException e) {
      // mgmtd unreachable: retry with what we have
    }
  }

  private ChunkState send(
      StorageTarget self,
      UpdateIo io,
      ByteBuf payload,
      long chainVersion,
      boolean replace,
      RoutingInfo.Node node) {
    UpdateIo.Builder out = io.toBuilder().setChainVersion(chainVersion);
    ByteBuf body;
    if (replace) {
      ChunkEngine.Read whole = self.engine().readAll(UpdateOperator.chunkOf(io));
      if (whole.meta() == null || whole.meta().removed()) {
        whole.bytes().release();
        out.setType(UpdateType.REMOVE)
            .setOffset(0)
            .setLength(0)
            .setPayloadChecksum(0)
            .setUnconditional(true);
        body = Unpooled.EMPTY_BUFFER;
      } else {
        body = whole.bytes();
        out.setType(UpdateType.REPLACE)
            .setOffset(0)
            .setLength(body.readableBytes())
            .setPayloadChecksum(Crc32c.of(body.nioBuffers()))
            .setUnconditional(true);
      }
    } else {
      body = payload.retainedDuplicate();
    }
    try {
      RpcReply reply =
          rpc.call(
                  node.endpoint(),
                  UPDATE,
                  UpdateReq.newBuilder().setIo(out).build(),
                  body,
                  config.rpcTimeoutMs())
              .get();
      try (reply) {
        return reply.message(UpdateRsp.class).getChunk();
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusException status) {
        throw status;
      }
      throw new StatusException(StatusCode.UNAVAILABLE, "update forward failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, "interrupted while forwarding");
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, "interrupted while forwarding");
    }
  }
}
