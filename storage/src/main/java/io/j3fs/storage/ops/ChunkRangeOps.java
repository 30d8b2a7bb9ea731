package io.j3fs.storage.ops;

import com.google.protobuf.ByteString;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.storage.RemoveChunksReq;
import io.j3fs.proto.storage.RemoveChunksRsp;
import io.j3fs.proto.storage.TruncateChunksReq;
import io.j3fs.proto.storage.TruncateChunksRsp;
import io.j3fs.proto.storage.UpdateIo;
import io.j3fs.proto.storage.UpdateType;
import io.j3fs.storage.chunk.ChunkMeta;
import io.j3fs.storage.craq.UpdateOperator;
import io.j3fs.storage.target.StorageTarget;
import io.j3fs.storage.target.TargetMap;
import io.netty.buffer.Unpooled;
import java.util.List;

/**
 * TruncateChunks and RemoveChunks: operations on a range of an inode's chunks on one chain, at its
 * head. Each chunk is one CRAQ update (replicated and committed down the chain), so a partial
 * failure leaves every chunk either done or not, and a retry finishes the rest.
 */
public final class ChunkRangeOps {
  /** Chunks one RemoveChunks call removes at most (3FS's GC removes 32 per request). */
  public static final int MAX_CHUNKS_PER_CALL = 1_024;

  private final TargetMap targets;
  private final UpdateOperator updates;

  public ChunkRangeOps(TargetMap targets, UpdateOperator updates) {
    this.targets = targets;
    this.updates = updates;
  }

  private UpdateIo.Builder io(
      long chain, long chainVersion, ChunkId chunk, String client, long request) {
    return UpdateIo.newBuilder()
        .setChainId(chain)
        .setChainVersion(chainVersion)
        .setChunkId(ByteString.copyFrom(chunk.toBytes()))
        .setClientId(client)
        .setRequestId(request);
  }

  public TruncateChunksRsp truncate(TruncateChunksReq request) {
    StorageTarget target = targets.byChain(ChainId.of(request.getChainId()));
    if (request.getHasTruncate()) {
      ChunkId chunk = ChunkId.of(request.getInodeId(), request.getTruncateIndex());
      updates.write(
          io(
                  request.getChainId(),
                  request.getChainVersion(),
                  chunk,
                  request.getClientId(),
                  request.getRequestId())
              .setType(UpdateType.TRUNCATE)
              .setLength(request.getLength())
              .setChunkSize(request.getChunkSize())
              .build(),
          Unpooled.EMPTY_BUFFER);
    }
    long removed = 0;
    for (ChunkMeta meta : target.engine().chunksOf(request.getInodeId())) {
      if (meta.id().chunkIndex() >= request.getRemoveFromIndex() && !meta.removed()) {
        removeOne(
            request.getChainId(),
            request.getChainVersion(),
            meta.id(),
            request.getClientId(),
            request.getRequestId());
        removed++;
      }
    }
    return TruncateChunksRsp.newBuilder().setRemoved(removed).build();
  }

  public RemoveChunksRsp remove(RemoveChunksReq request) {
    if (request.getEndIndex() < request.getBeginIndex()) {
      throw StatusException.invalidArgument("end_index is before begin_index");
    }
    int max =
        request.getMaxChunks() <= 0
            ? MAX_CHUNKS_PER_CALL
            : Math.min(MAX_CHUNKS_PER_CALL, request.getMaxChunks());
    StorageTarget target = targets.byChain(ChainId.of(request.getChainId()));
    List<ChunkMeta> chunks = target.engine().chunksOf(request.getInodeId());
    long removed = 0;
    boolean more = false;
    for (ChunkMeta meta : chunks) {
      long index = meta.id().chunkIndex();
      if (index < request.getBeginIndex() || index >= request.getEndIndex() || meta.removed()) {
        continue;
      }
      if (removed == max) {
        more = true;
        break;
      }
      removeOne(
          request.getChainId(),
          request.getChainVersion(),
          meta.id(),
          request.getClientId(),
          request.getRequestId());
      removed++;
    }
    return RemoveChunksRsp.newBuilder().setRemoved(removed).setMore(more).build();
  }

  private void removeOne(
      long chain, long chainVersion, ChunkId chunk, String client, long request) {
    updates.write(
        io(chain, chainVersion, chunk, client, request).setType(UpdateType.REMOVE).build(),
        Unpooled.EMPTY_BUFFER);
  }
}
