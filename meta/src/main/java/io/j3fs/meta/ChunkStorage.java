package io.j3fs.meta;

import io.j3fs.common.id.InodeId;
import io.j3fs.proto.meta.Layout;

/**
 * What the metadata service asks of storage: a file's data length, cutting its chunks, removing
 * them. The real one calls the storage chains through the storage client ({@code
 * StorageChunkStorage}); tests use an in-memory one. Calls block (virtual threads).
 */
public interface ChunkStorage {
  /** The end of the file's last chunk across its chains (0 when it has none). */
  long queryLength(InodeId inode, Layout layout);

  /** Cuts the file's data to {@code length} bytes: later chunks removed, the last one cut. */
  void truncate(InodeId inode, Layout layout, long length);

  /** Removes every chunk of the file, in bounded batches; returns once all are gone. */
  void removeAll(InodeId inode, Layout layout);

  /** Raw bytes of the storage disks (every replica counted), as the storage nodes say now. */
  record Space(long capacityBytes, long usedBytes, long freeBytes) {}

  /** The disks' space: per disk once (its targets share it), summed over the disks. */
  Space space();
}
