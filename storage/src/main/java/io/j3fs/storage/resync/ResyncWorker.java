package io.j3fs.storage.resync;

import com.google.protobuf.ByteString;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.WireMethod;
import io.j3fs.proto.storage.ChunkMetaInfo;
import io.j3fs.proto.storage.SyncDoneReq;
import io.j3fs.proto.storage.SyncDoneRsp;
import io.j3fs.proto.storage.SyncStartReq;
import io.j3fs.proto.storage.SyncStartRsp;
import io.j3fs.proto.storage.UpdateIo;
import io.j3fs.proto.storage.UpdateReq;
import io.j3fs.proto.storage.UpdateType;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.chunk.ChunkMeta;
import io.j3fs.storage.target.StorageTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Brings a syncing successor up to date from this target (3FS's ResyncWorker): lists what the
 * successor holds (SyncStart), compares with every local chunk (versions, length, checksum, and
 * whether the successor found its copy corrupt), sends whole chunks where they differ and removals
 * for what the successor holds extra, then SyncDone. Writes go on meanwhile: the successor is on
 * the write path, and each chunk is compared and sent under its update lock, so a write and the
 * resync of one chunk never interleave.
 *
 * <p>One run per (chain version, successor); a chain change aborts it (its calls answer
 * ROUTING_VERSION_MISMATCH) and the manager starts another if the successor still syncs.
 */
final class ResyncWorker {
  private static final WireMethod UPDATE = WireCatalog.get().method("Storage.Update");
  private static final int PAGE = 1_024;

  record Outcome(long chunksSent, long chunksRemoved, long bytesSent) {}

  private final RpcClient rpc;
  private final StorageTarget target;
  private final RoutingInfo.Chain chain;
  private final Endpoint successor;
  private final long rpcTimeoutMs;

  ResyncWorker(
      RpcClient rpc,
      StorageTarget target,
      RoutingInfo.Chain chain,
      Endpoint successor,
      long rpcTimeoutMs) {
    this.rpc = rpc;
    this.target = target;
    this.chain = chain;
    this.successor = successor;
    this.rpcTimeoutMs = rpcTimeoutMs;
  }

  Outcome run() {
    Map<ChunkId, ChunkMetaInfo> remote = listSuccessor();
    ChunkEngine engine = target.engine();
    long sent = 0;
    long removed = 0;
    long bytes = 0;
    ChunkId after = null;
    while (true) {
      List<ChunkMeta> page = engine.list(after, PAGE);
      for (ChunkMeta listed : page) {
        ReentrantLock lock = engine.updateLock(listed.id());
        lock.lock();
        try {
          ChunkMeta current = engine.meta(listed.id());
          ChunkMetaInfo theirs = remote.remove(listed.id());
          if (current == null || current.removed()) {
            if (theirs != null) {
              remove(listed.id());
              removed++;
            }
          } else if (differs(current, theirs)) {
            bytes += replace(engine, current);
            sent++;
          }
        } finally {
          lock.unlock();
        }
      }
      if (page.size() < PAGE) {
        break;
      }
      after = page.getLast().id();
    }
    for (ChunkId extra : remote.keySet()) {
      ReentrantLock lock = engine.updateLock(extra);
      lock.lock();
      try {
        if (engine.meta(extra) == null) {
          remove(extra);
          removed++;
        }
      } finally {
        lock.unlock();
      }
    }
    rpc.invoke(
        successor,
        "Storage.SyncDone",
        SyncDoneReq.newBuilder()
            .setChainId(chain.id().value())
            .setChainVersion(chain.version())
            .build(),
        SyncDoneRsp.class,
        rpcTimeoutMs);
    return new Outcome(sent, removed, bytes);
  }

  private static boolean differs(ChunkMeta mine, ChunkMetaInfo theirs) {
    return theirs == null
        || theirs.getCorrupt()
        || theirs.getUpdateVersion() != theirs.getCommitVersion()
        || theirs.getCommitVersion() != mine.updateVersion()
        || theirs.getLength() != mine.length()
        || theirs.getChecksum() != mine.checksum();
  }

  private Map<ChunkId, ChunkMetaInfo> listSuccessor() {
    Map<ChunkId, ChunkMetaInfo> out = new HashMap<>();
    ByteString after = ByteString.EMPTY;
    while (true) {
      SyncStartRsp page =
          rpc.invoke(
              successor,
              "Storage.SyncStart",
              SyncStartReq.newBuilder()
                  .setChainId(chain.id().value())
                  .setChainVersion(chain.version())
                  .setAfterChunkId(after)
                  .setMaxChunks(PAGE)
                  .build(),
              SyncStartRsp.class,
              rpcTimeoutMs);
      for (ChunkMetaInfo info : page.getChunksList()) {
        out.put(ChunkId.fromBytes(info.getChunkId().toByteArray()), info);
      }
      if (!page.getMore() || page.getChunksCount() == 0) {
        return out;
      }
      after = page.getChunks(page.getChunksCount() - 1).getChunkId();
    }
  }

  private long replace(ChunkEngine engine, ChunkMeta meta) {
    ChunkEngine.Read whole = engine.readAll(meta.id());
    ByteBuf bytes = whole.bytes();
    int length = bytes.readableBytes();
    UpdateIo io =
        base(meta.id(), meta.updateVersion())
            .setType(UpdateType.REPLACE)
            .setLength(length)
            .setPayloadChecksum(Crc32c.of(bytes.nioBuffers()))
            .build();
    send(io, bytes);
    return length;
  }

  private void remove(ChunkId id) {
    send(base(id, 1).setType(UpdateType.REMOVE).build(), Unpooled.EMPTY_BUFFER);
  }

  private UpdateIo.Builder base(ChunkId id, long version) {
    return UpdateIo.newBuilder()
        .setChainId(chain.id().value())
        .setChainVersion(chain.version())
        .setChunkId(ByteString.copyFrom(id.toBytes()))
        .setUpdateVersion(version)
        .setFromResync(true)
        .setUnconditional(true);
  }

  /** Sends one update; takes ownership of {@code payload}. */
  private void send(UpdateIo io, ByteBuf payload) {
    try {
      // The successor installs what we send; its answer (its state after) needs no check.
      RpcReply reply =
          rpc.call(
                  successor,
                  UPDATE,
                  UpdateReq.newBuilder().setIo(io).build(),
                  payload,
                  rpcTimeoutMs)
              .get();
      reply.close();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusException status) {
        throw status;
      }
      throw new StatusException(StatusCode.UNAVAILABLE, "resync send failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, "resync interrupted");
    }
  }
}
