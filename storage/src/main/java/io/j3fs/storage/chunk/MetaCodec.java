package io.j3fs.storage.chunk;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.storage.store.ChunkMetaRecord;

/** Chunk metadata as stored: protobuf {@code ChunkMetaRecord} with a schema version. */
final class MetaCodec {
  private MetaCodec() {}

  static final int SCHEMA_VERSION = 1;

  static byte[] encode(ChunkMeta meta) {
    return ChunkMetaRecord.newBuilder()
        .setSchemaVersion(SCHEMA_VERSION)
        .setSizeClass(meta.sizeClass())
        .setSlot(meta.slot())
        .setLength(meta.length())
        .setUpdateVersion(meta.updateVersion())
        .setCommitVersion(meta.commitVersion())
        .setChainVersion(meta.chainVersion())
        .setChecksum(meta.checksum())
        .setBlockChecksums(ByteString.copyFrom(BlockChecksums.encode(meta.blockChecksums())))
        .setLastClientId(meta.lastClientId())
        .setLastRequestId(meta.lastRequestId())
        .setRemoved(meta.removed())
        .build()
        .toByteArray();
  }

  static ChunkMeta decode(ChunkId id, byte[] value) {
    ChunkMetaRecord r;
    try {
      r = ChunkMetaRecord.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StatusException(StatusCode.INTERNAL, "stored meta of chunk " + id + " is corrupt");
    }
    if (r.getSchemaVersion() > SCHEMA_VERSION) {
      throw new StatusException(
          StatusCode.INTERNAL,
          "chunk " + id + " was stored by a newer release (schema " + r.getSchemaVersion() + ")");
    }
    return new ChunkMeta(
        id,
        r.getSizeClass(),
        r.getSlot(),
        r.getLength(),
        r.getUpdateVersion(),
        r.getCommitVersion(),
        r.getChainVersion(),
        r.getChecksum(),
        BlockChecksums.decode(r.getBlockChecksums().toByteArray()),
        r.getLastClientId(),
        r.getLastRequestId(),
        r.getRemoved());
  }
}
