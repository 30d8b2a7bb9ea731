package io.j3fs.storage.ops;

import io.j3fs.common.id.ChainId;
import io.j3fs.proto.storage.QueryLastChunkReq;
import io.j3fs.proto.storage.QueryLastChunkRsp;
import io.j3fs.storage.chunk.ChunkMeta;
import io.j3fs.storage.target.StorageTarget;
import io.j3fs.storage.target.TargetMap;
import java.util.List;

/**
 * The highest-indexed committed chunk of an inode on one chain, with counts: the metadata service
 * derives a file's exact length from the answers of every chain of the file.
 */
public final class QueryLastChunkOp {
  private final TargetMap targets;

  public QueryLastChunkOp(TargetMap targets) {
    this.targets = targets;
  }

  public QueryLastChunkRsp run(QueryLastChunkReq request) {
    StorageTarget target = targets.byChain(ChainId.of(request.getChainId()));
    Checks.readableAt(target, request.getChainVersion());
    List<ChunkMeta> chunks = target.engine().chunksOf(request.getInodeId());
    QueryLastChunkRsp.Builder out = QueryLastChunkRsp.newBuilder();
    long total = 0;
    long count = 0;
    ChunkMeta last = null;
    for (ChunkMeta meta : chunks) {
      if (meta.removed()) {
        continue;
      }
      count++;
      total += meta.length();
      if (last == null || meta.id().chunkIndex() >= last.id().chunkIndex()) {
        last = meta;
      }
    }
    if (last != null) {
      out.setFound(true).setChunkIndex(last.id().chunkIndex()).setLength(last.length());
    }
    return out.setChunkCount(count).setTotalBytes(total).build();
  }
}
