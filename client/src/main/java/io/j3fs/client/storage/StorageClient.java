package io.j3fs.client.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.WireMethod;
import io.j3fs.proto.storage.ChunkState;
import io.j3fs.proto.storage.QueryLastChunkReq;
import io.j3fs.proto.storage.QueryLastChunkRsp;
import io.j3fs.proto.storage.RemoveChunksReq;
import io.j3fs.proto.storage.RemoveChunksRsp;
import io.j3fs.proto.storage.TruncateChunksReq;
import io.j3fs.proto.storage.TruncateChunksRsp;
import io.j3fs.proto.storage.UpdateIo;
import io.j3fs.proto.storage.UpdateType;
import io.j3fs.proto.storage.WriteReq;
import io.j3fs.proto.storage.WriteRsp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chunk I/O against storage chains: writes go to the chain head, reads to any serving replica
 * (starting at a random one, so load spreads), each retried with backoff on retriable statuses
 * until {@code retryTotalMs}. ROUTING_VERSION_MISMATCH, NOT_CHAIN_HEAD and TARGET_NOT_SERVING
 * refresh the routing info first; a checksum mismatch (on the replica's disk or in flight) moves
 * the read to another replica. A write keeps its request id across retries, so the chain applies it
 * once.
 *
 * <p>Thread-safe. Calls block the caller (meant for virtual threads).
 */
public final class StorageClient {
  /**
   * @param rpcTimeoutMs deadline of one call
   * @param retryTotalMs how long one operation may keep retrying (3FS: 60 s)
   */
  public record Config(
      long rpcTimeoutMs, long retryTotalMs, long initialBackoffMs, long maxBackoffMs) {
    public static final Config DEFAULT = new Config(10_000, 60_000, 10, 1_000);
  }

  private static final WireMethod WRITE = WireCatalog.get().method("Storage.Write");
  static final WireMethod BATCH_READ = WireCatalog.get().method("Storage.BatchRead");

  private final ConcurrentHashMap<Endpoint, NodeReads> nodeReads = new ConcurrentHashMap<>();

  private final RpcClient rpc;
  private final MgmtdClient mgmtd;
  private final String clientId;
  private final Config config;
  private final AtomicLong requestIds = new AtomicLong();
  private final java.util.concurrent.ConcurrentHashMap<
          StatusCode, java.util.concurrent.atomic.LongAdder>
      retries = new java.util.concurrent.ConcurrentHashMap<>();

  public StorageClient(RpcClient rpc, MgmtdClient mgmtd, String clientId, Config config) {
    this.rpc = rpc;
    this.mgmtd = mgmtd;
    this.clientId = clientId;
    this.config = config;
  }

  public String clientId() {
    return clientId;
  }

  /** Counts a failed attempt that is retried (or ends its operation). */
  void countRetry(StatusCode code) {
    retries.computeIfAbsent(code, c -> new java.util.concurrent.atomic.LongAdder()).increment();
  }

  /** Failed attempts so far, by status (each was retried or ended its operation). */
  public java.util.Map<StatusCode, Long> retriesByStatus() {
    java.util.Map<StatusCode, Long> out = new java.util.TreeMap<>();
    retries.forEach((code, count) -> out.put(code, count.sum()));
    return out;
  }

  RoutingInfo routing() {
    RoutingInfo routing = mgmtd.routing();
    return routing.version() == 0 ? mgmtd.refreshRouting() : routing;
  }

  RoutingInfo.Chain chain(RoutingInfo routing, ChainId id) {
    RoutingInfo.Chain chain = routing.chains().get(id);
    if (chain == null) {
      throw new StatusException(StatusCode.NOT_FOUND, "chain " + id + " does not exist");
    }
    return chain;
  }

  /** Writes {@code data} (readable bytes, borrowed) at {@code offset} of a chunk. */
  public ChunkState write(ChainId chain, ChunkId chunk, int offset, ByteBuf data, int chunkSize) {
    UpdateIo.Builder io =
        chunkUpdate(chain, chunk, UpdateType.WRITE)
            .setOffset(offset)
            .setLength(data.readableBytes())
            .setChunkSize(chunkSize)
            .setPayloadChecksum(Crc32c.of(data.nioBuffers()));
    return update(chain, io, data);
  }

  /** Cuts a chunk to {@code length} bytes (or extends it with zeros). */
  public ChunkState truncateChunk(ChainId chain, ChunkId chunk, int length, int chunkSize) {
    return update(
        chain,
        chunkUpdate(chain, chunk, UpdateType.TRUNCATE).setLength(length).setChunkSize(chunkSize),
        Unpooled.EMPTY_BUFFER);
  }

  /** Removes one chunk. */
  public ChunkState removeChunk(ChainId chain, ChunkId chunk) {
    return update(chain, chunkUpdate(chain, chunk, UpdateType.REMOVE), Unpooled.EMPTY_BUFFER);
  }

  private static UpdateIo.Builder chunkUpdate(ChainId chain, ChunkId chunk, UpdateType type) {
    return UpdateIo.newBuilder()
        .setChainId(chain.value())
        .setChunkId(ByteString.copyFrom(chunk.toBytes()))
        .setType(type);
  }

  private ChunkState update(ChainId chainId, UpdateIo.Builder io, ByteBuf data) {
    io.setClientId(clientId).setRequestId(requestIds.incrementAndGet());
    Retry retry = new Retry();
    while (true) {
      RoutingInfo routing = routing();
      RoutingInfo.Chain chain = chain(routing, chainId);
      RoutingInfo.Member head = chain.head();
      try {
        if (head == null) {
          throw new StatusException(
              StatusCode.TARGET_NOT_SERVING, "chain " + chainId + " has no head now");
        }
        Endpoint node = endpointOf(routing, head);
        io.setChainVersion(chain.version());
        try (RpcReply reply =
            await(
                rpc.call(
                    node,
                    WRITE,
                    WriteReq.newBuilder().setIo(io).build(),
                    data.retainedDuplicate(),
                    config.rpcTimeoutMs()))) {
          return reply.message(WriteRsp.class).getChunk();
        }
      } catch (StatusException e) {
        retry.onFailure(e, "write to chain " + chainId);
      }
    }
  }

  /** One read of a batch: bytes [offset, offset + length) of a chunk on a chain. */
  public record ReadRequest(ChainId chain, ChunkId chunk, int offset, int length) {
    public ReadRequest {
      if (offset < 0 || length < 0) {
        throw StatusException.invalidArgument(
            "read offset and length must not be negative, got " + offset + " and " + length);
      }
    }
  }

  /**
   * Reads bytes [offset, offset + length) of a chunk from a serving replica; returns fewer where
   * the chunk is shorter (none where it is absent). The caller owns the buffer.
   */
  public ByteBuf read(ChainId chainId, ChunkId chunk, int offset, int length) {
    return batchRead(List.of(new ReadRequest(chainId, chunk, offset, length))).getFirst();
  }

  /**
   * Many reads at once: one call per storage node for the reads it serves, the calls to different
   * nodes in parallel, failed reads retried on other replicas. Returns the bytes in request order
   * (each owned by the caller); if any read still fails when its retries run out, none is returned
   * and its status is thrown.
   */
  public List<ByteBuf> batchRead(List<ReadRequest> reads) {
    return new BatchReads(this, reads).run();
  }

  /**
   * A batch read's first attempt, without blocking: completes (on the thread that completes the
   * last answer, an event loop) with the bytes, or fails, with nothing left to release, where any
   * read would need a retry or a second read; the caller then uses {@link #batchRead}, which does
   * everything from the start.
   */
  public CompletableFuture<List<ByteBuf>> batchReadFirstAttempt(List<ReadRequest> reads) {
    return new BatchReads(this, reads).firstAttempt();
  }

  /**
   * The space of every target of every live storage node, one SpaceInfo call per node; a node that
   * does not answer is left out (its space is unknown, not zero).
   */
  public List<io.j3fs.proto.storage.TargetSpace> spaceOfAllNodes() {
    List<io.j3fs.proto.storage.TargetSpace> out = new ArrayList<>();
    for (RoutingInfo.Node node : routing().nodesOfType(io.j3fs.common.cluster.NodeType.STORAGE)) {
      if (node.failed() || node.disabled()) {
        continue;
      }
      try {
        out.addAll(
            rpc.invoke(
                    node.endpoint(),
                    "Storage.SpaceInfo",
                    io.j3fs.proto.storage.SpaceInfoReq.getDefaultInstance(),
                    io.j3fs.proto.storage.SpaceInfoRsp.class,
                    config.rpcTimeoutMs())
                .getTargetsList());
      } catch (StatusException e) {
        // unknown for now; the next call asks again
      }
    }
    return out;
  }

  /** The last chunk of an inode on one chain (for file lengths). */
  public QueryLastChunkRsp queryLastChunk(ChainId chain, long inodeId) {
    return readableCall(
        chain,
        version ->
            QueryLastChunkReq.newBuilder()
                .setChainId(chain.value())
                .setChainVersion(version)
                .setInodeId(inodeId)
                .build(),
        "Storage.QueryLastChunk",
        QueryLastChunkRsp.class);
  }

  /** Removes chunks [begin, end) of an inode on one chain, a bounded number per call. */
  public RemoveChunksRsp removeChunks(
      ChainId chain, long inodeId, long beginIndex, long endIndex, int maxChunks) {
    long request = requestIds.incrementAndGet();
    return headCall(
        chain,
        version ->
            RemoveChunksReq.newBuilder()
                .setChainId(chain.value())
                .setChainVersion(version)
                .setInodeId(inodeId)
                .setBeginIndex(beginIndex)
                .setEndIndex(endIndex)
                .setMaxChunks(maxChunks)
                .setClientId(clientId)
                .setRequestId(request)
                .build(),
        "Storage.RemoveChunks",
        RemoveChunksRsp.class);
  }

  /** Truncates the chunk {@code truncateIndex} and removes every chunk from {@code removeFrom}. */
  public TruncateChunksRsp truncateChunks(
      ChainId chain,
      long inodeId,
      Long truncateIndex,
      int length,
      int chunkSize,
      long removeFromIndex) {
    long request = requestIds.incrementAndGet();
    return headCall(
        chain,
        version -> {
          TruncateChunksReq.Builder b =
              TruncateChunksReq.newBuilder()
                  .setChainId(chain.value())
                  .setChainVersion(version)
                  .setInodeId(inodeId)
                  .setRemoveFromIndex(removeFromIndex)
                  .setChunkSize(chunkSize)
                  .setClientId(clientId)
                  .setRequestId(request);
          if (truncateIndex != null) {
            b.setHasTruncate(true).setTruncateIndex(truncateIndex).setLength(length);
          }
          return b.build();
        },
        "Storage.TruncateChunks",
        TruncateChunksRsp.class);
  }

  private <T extends Message> T headCall(
      ChainId chainId,
      java.util.function.LongFunction<Message> request,
      String method,
      Class<T> type) {
    Retry retry = new Retry();
    while (true) {
      RoutingInfo routing = routing();
      RoutingInfo.Chain chain = chain(routing, chainId);
      try {
        if (chain.head() == null) {
          throw new StatusException(
              StatusCode.TARGET_NOT_SERVING, "chain " + chainId + " has no head now");
        }
        return rpc.invoke(
            endpointOf(routing, chain.head()),
            method,
            request.apply(chain.version()),
            type,
            config.rpcTimeoutMs());
      } catch (StatusException e) {
        retry.onFailure(e, method + " on chain " + chainId);
      }
    }
  }

  private <T extends Message> T readableCall(
      ChainId chainId,
      java.util.function.LongFunction<Message> request,
      String method,
      Class<T> type) {
    Retry retry = new Retry();
    int attempt = ThreadLocalRandom.current().nextInt(1 << 16);
    while (true) {
      RoutingInfo routing = routing();
      RoutingInfo.Chain chain = chain(routing, chainId);
      List<RoutingInfo.Member> readable = new ArrayList<>(chain.readable());
      try {
        if (readable.isEmpty()) {
          throw new StatusException(
              StatusCode.TARGET_NOT_SERVING, "chain " + chainId + " has no serving replica now");
        }
        RoutingInfo.Member replica = readable.get(Math.floorMod(attempt++, readable.size()));
        return rpc.invoke(
            endpointOf(routing, replica),
            method,
            request.apply(chain.version()),
            type,
            config.rpcTimeoutMs());
      } catch (StatusException e) {
        retry.onFailure(e, method + " on chain " + chainId);
      }
    }
  }

  static Endpoint endpointOf(RoutingInfo routing, RoutingInfo.Member member) {
    RoutingInfo.Node node = routing.nodeOf(member.target());
    if (node == null) {
      throw new StatusException(
          StatusCode.ROUTING_VERSION_MISMATCH, "target " + member.target() + " has no node");
    }
    return node.endpoint();
  }

  static RpcReply await(CompletableFuture<RpcReply> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusException status) {
        throw status;
      }
      throw new StatusException(StatusCode.UNAVAILABLE, "storage call failed: " + e.getCause());
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, "interrupted");
    }
  }

  Retry newRetry() {
    return new Retry();
  }

  RpcClient rpc() {
    return rpc;
  }

  /** The coalescer of small batch reads to {@code node} (one per storage node). */
  NodeReads nodeReads(Endpoint node) {
    return nodeReads.computeIfAbsent(
        node, n -> new NodeReads(rpc, n, BATCH_READ, config.rpcTimeoutMs()));
  }

  Config config() {
    return config;
  }

  /** One operation's retry budget. */
  final class Retry {
    private final long deadline = System.nanoTime() + config.retryTotalMs() * 1_000_000;
    private long backoffMs = config.initialBackoffMs();

    void onFailure(StatusException e, String what) {
      countRetry(e.code());
      switch (e.code()) {
        // The chain may have changed (a node that stopped answering is about to be replaced):
        // ask mgmtd; an unchanged answer is cheap.
        case ROUTING_VERSION_MISMATCH,
            NOT_CHAIN_HEAD,
            TARGET_NOT_SERVING,
            UNAVAILABLE,
            TIMEOUT,
            BUSY ->
            refresh();
        case CHECKSUM_MISMATCH, CHUNK_NOT_COMMITTED, MISSING_UPDATE, NOT_PRIMARY -> {}
        default -> throw e;
      }
      if (System.nanoTime() > deadline) {
        throw new StatusException(
            e.code(), what + " gave up after " + config.retryTotalMs() + " ms: " + e.getMessage());
      }
      // A checksum mismatch or a not-committed chunk: try the next replica at once, once.
      if (e.code() != StatusCode.CHECKSUM_MISMATCH || backoffMs > config.initialBackoffMs()) {
        sleep(backoffMs);
        backoffMs = Math.min(config.maxBackoffMs(), backoffMs * 2);
      } else {
        backoffMs = backoffMs * 2;
      }
    }

    private void refresh() {
      try {
        mgmtd.refreshRouting();
      } catch (StatusException ignored) {
        // mgmtd briefly unreachable: retry with what we have
      }
    }
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
