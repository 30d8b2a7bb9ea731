package io.j3fs.storage.craq;

import com.google.protobuf.ByteString;
import io.j3fs.proto.storage.ChunkMetaInfo;
import io.j3fs.proto.storage.ChunkState;
import io.j3fs.storage.chunk.ChunkMeta;

/** Chunk metadata as the storage messages carry it. */
public final class ChunkStates {
  private ChunkStates() {}

  /** The state after an update; an absent or removed chunk does not exist. */
  public static ChunkState of(ChunkMeta meta) {
    if (meta == null) {
      return ChunkState.newBuilder().setExists(false).build();
    }
    return ChunkState.newBuilder()
        .setExists(!meta.removed())
        .setUpdateVersion(meta.updateVersion())
        .setCommitVersion(meta.commitVersion())
        .setLength(meta.removed() ? 0 : meta.length())
        .setChecksum(meta.removed() ? 0 : meta.checksum())
        .build();
  }

  public static ChunkMetaInfo info(ChunkMeta meta, boolean corrupt) {
    return ChunkMetaInfo.newBuilder()
        .setChunkId(ByteString.copyFrom(meta.id().toBytes()))
        .setUpdateVersion(meta.updateVersion())
        .setCommitVersion(meta.commitVersion())
        .setChainVersion(meta.chainVersion())
        .setLength(meta.removed() ? 0 : meta.length())
        .setChecksum(meta.removed() ? 0 : meta.checksum())
        .setCorrupt(corrupt)
        .build();
  }

  /** Whether two replicas hold the same bytes (same existence, length and checksum). */
  public static boolean sameContent(ChunkState a, ChunkState b) {
    return a.getExists() == b.getExists()
        && (!a.getExists()
            || (a.getLength() == b.getLength() && a.getChecksum() == b.getChecksum()));
  }
}
