package io.j3fs.storage.ops;

import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.storage.GetAllChunkMetadataReq;
import io.j3fs.proto.storage.GetAllChunkMetadataRsp;
import io.j3fs.proto.storage.QueryChunkReq;
import io.j3fs.proto.storage.QueryChunkRsp;
import io.j3fs.proto.storage.SyncDoneReq;
import io.j3fs.proto.storage.SyncDoneRsp;
import io.j3fs.proto.storage.SyncStartReq;
import io.j3fs.proto.storage.SyncStartRsp;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.chunk.ChunkMeta;
import io.j3fs.storage.craq.ChunkStates;
import io.j3fs.storage.target.StorageTarget;
import io.j3fs.storage.target.TargetMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The syncing side of resync (SyncStart, SyncDone) and the metadata listings (GetAllChunkMetadata,
 * QueryChunk). A target that was not shut down cleanly checks each chunk's data against its
 * checksums while listing, so torn or lost writes are reported as corrupt and replaced.
 */
public final class SyncOps {
  private static final Logger log = LoggerFactory.getLogger(SyncOps.class);

  /** Chunk metas in one listing page, at most. */
  public static final int MAX_PAGE = 4_096;

  private final TargetMap targets;

  public SyncOps(TargetMap targets) {
    this.targets = targets;
  }

  public SyncStartRsp syncStart(SyncStartReq request) {
    StorageTarget target = targets.byChain(ChainId.of(request.getChainId()));
    Checks.atVersion(target, request.getChainVersion());
    Page page =
        page(target.engine(), request.getAfterChunkId().toByteArray(), request.getMaxChunks());
    return SyncStartRsp.newBuilder()
        .addAllChunks(page.infos(target.engine()))
        .setMore(page.more())
        .build();
  }

  public SyncDoneRsp syncDone(SyncDoneReq request) {
    StorageTarget target = targets.byChain(ChainId.of(request.getChainId()));
    Checks.atVersion(target, request.getChainVersion());
    target.syncDone();
    log.info("target {} of chain {} is in sync", target.id(), target.chain());
    return SyncDoneRsp.getDefaultInstance();
  }

  public GetAllChunkMetadataRsp all(GetAllChunkMetadataReq request) {
    StorageTarget target = targets.byId(TargetId.of(request.getTargetId()));
    if (target == null) {
      throw new StatusException(
          StatusCode.NOT_FOUND, "target " + request.getTargetId() + " is not on this node");
    }
    Page page =
        page(target.engine(), request.getAfterChunkId().toByteArray(), request.getMaxChunks());
    return GetAllChunkMetadataRsp.newBuilder()
        .addAllChunks(page.infos(target.engine()))
        .setMore(page.more())
        .build();
  }

  public QueryChunkRsp query(QueryChunkReq request) {
    StorageTarget target = targets.byChain(ChainId.of(request.getChainId()));
    ChunkMeta meta = target.engine().meta(ChunkId.fromBytes(request.getChunkId().toByteArray()));
    if (meta == null) {
      return QueryChunkRsp.newBuilder().setFound(false).build();
    }
    return QueryChunkRsp.newBuilder()
        .setFound(true)
        .setMeta(ChunkStates.info(meta, !target.engine().verify(meta.id())))
        .build();
  }

  private record Page(List<ChunkMeta> metas, boolean more) {
    List<io.j3fs.proto.storage.ChunkMetaInfo> infos(ChunkEngine engine) {
      boolean verify = !engine.openedClean();
      return metas.stream()
          .map(meta -> ChunkStates.info(meta, verify && !engine.verify(meta.id())))
          .toList();
    }
  }

  private static Page page(ChunkEngine engine, byte[] after, int max) {
    int limit = max <= 0 ? MAX_PAGE : Math.min(MAX_PAGE, max);
    ChunkId start = after.length == 0 ? null : ChunkId.fromBytes(after);
    List<ChunkMeta> metas = engine.list(start, limit + 1);
    boolean more = metas.size() > limit;
    return new Page(more ? metas.subList(0, limit) : metas, more);
  }
}
