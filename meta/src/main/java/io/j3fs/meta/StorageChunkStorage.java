package io.j3fs.meta;

import io.j3fs.client.storage.StorageClient;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.InodeId;
import io.j3fs.common.status.Waits;
import io.j3fs.proto.meta.Layout;
import io.j3fs.proto.storage.QueryLastChunkRsp;
import io.j3fs.proto.storage.RemoveChunksRsp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@link ChunkStorage} on the storage chains: chunk i of a file is chunk (inode, i) on chain {@code
 * chains[i % stripe]}, so each chain holds every stripe-th chunk and each question goes to every
 * chain of the layout.
 */
public final class StorageChunkStorage implements ChunkStorage {
  /** Chunks removed per call by the GC (3FS: 32). */
  static final int REMOVE_BATCH = 32;

  private final StorageClient storage;

  public StorageChunkStorage(StorageClient storage) {
    this.storage = storage;
  }

  @Override
  public long queryLength(InodeId inode, Layout layout) {
    long length = 0;
    for (int chain : layout.getChainsList()) {
      QueryLastChunkRsp last = storage.queryLastChunk(ChainId.of(chain), inode.value());
      if (last.getFound()) {
        length = Math.max(length, last.getChunkIndex() * layout.getChunkSize() + last.getLength());
      }
    }
    return length;
  }

  @Override
  public void truncate(InodeId inode, Layout layout, long length) {
    if (layout.getChainsCount() == 0) {
      return;
    }
    long chunk = layout.getChunkSize();
    long last = length == 0 ? -1 : (length - 1) / chunk;
    for (int p = 0; p < layout.getChainsCount(); p++) {
      Long truncateIndex = last >= 0 && last % layout.getChainsCount() == p ? last : null;
      int keep = truncateIndex == null ? 0 : (int) (length - last * chunk);
      storage.truncateChunks(
          ChainId.of(layout.getChains(p)),
          inode.value(),
          truncateIndex,
          keep,
          (int) chunk,
          last + 1);
    }
  }

  @Override
  public void removeAll(InodeId inode, Layout layout) {
    // The chains at once, each on a virtual thread (a layout has at most a stripe of them): one
    // after another, a file's removal took a chain round trip per chain.
    try (ExecutorService chains = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      for (int chain : layout.getChainsList()) {
        done.add(chains.submit(() -> removeFromChain(inode, chain)));
      }
      for (Future<?> f : done) {
        Waits.get(f, "removing chunks");
      }
    }
  }

  private void removeFromChain(InodeId inode, int chain) {
    while (true) {
      RemoveChunksRsp rsp =
          storage.removeChunks(ChainId.of(chain), inode.value(), 0, Long.MAX_VALUE, REMOVE_BATCH);
      if (!rsp.getMore()) {
        return;
      }
    }
  }

  @Override
  public Space space() {
    // Targets on one disk each report that disk's capacity and free bytes: count each disk once.
    java.util.Map<String, long[]> disks = new java.util.HashMap<>();
    long used = 0;
    for (io.j3fs.proto.storage.TargetSpace t : storage.spaceOfAllNodes()) {
      used += t.getUsedBytes();
      String disk = t.getNodeId() + ":" + t.getDiskIndex();
      disks.merge(
          disk,
          new long[] {t.getCapacityBytes(), t.getFreeBytes()},
          (a, b) -> new long[] {a[0], Math.min(a[1], b[1])});
    }
    long capacity = 0;
    long free = 0;
    for (long[] d : disks.values()) {
      capacity += d[0];
      free += d[1];
    }
    return new Space(capacity, used, free);
  }
}
