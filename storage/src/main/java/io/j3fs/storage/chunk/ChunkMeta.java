package io.j3fs.storage.chunk;

import io.j3fs.common.id.ChunkId;

/**
 * What a target knows of one chunk. Immutable; the engine replaces a chunk's meta whole on every
 * change (a copy-on-write write switches {@code slot} and the meta in one step).
 *
 * <p>Versions (CRAQ): {@code updateVersion} is the latest update applied here, {@code
 * commitVersion} the latest known to be on every replica of the write path. They differ while an
 * update travels down the chain; such a chunk answers reads "not committed" unless the reader
 * allows uncommitted data.
 *
 * @param blockChecksums CRC32C of each {@link BlockChecksums#BLOCK_BYTES} block of the data, the
 *     last one partial; shared, never modified after construction
 * @param removed a remove not committed yet (no data; deleted at commit)
 */
public record ChunkMeta(
    ChunkId id,
    int sizeClass,
    long slot,
    int length,
    long updateVersion,
    long commitVersion,
    long chainVersion,
    int checksum,
    int[] blockChecksums,
    String lastClientId,
    long lastRequestId,
    boolean removed) {
  /** Whether the latest update here is committed. */
  public boolean committed() {
    return updateVersion == commitVersion;
  }

  /** Whether {@code (clientId, requestId)} is the request that made the latest update. */
  public boolean madeBy(String clientId, long requestId) {
    return requestId != 0 && requestId == lastRequestId && clientId.equals(lastClientId);
  }

  ChunkMeta withCommit(long version) {
    return new ChunkMeta(
        id,
        sizeClass,
        slot,
        length,
        updateVersion,
        version,
        chainVersion,
        checksum,
        blockChecksums,
        lastClientId,
        lastRequestId,
        removed);
  }
}
