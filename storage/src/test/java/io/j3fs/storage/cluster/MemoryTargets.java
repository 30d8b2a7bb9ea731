package io.j3fs.storage.cluster;

import io.j3fs.common.id.TargetId;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.chunk.MemoryDataStore;
import io.j3fs.storage.chunk.MemoryMetaStore;
import io.j3fs.storage.target.TargetFactory;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A storage node's targets in memory. The stores outlive a node's server, so a "restarted" node
 * reopens what its previous incarnation left, as after a process crash; {@link #wipe} forgets a
 * target as a replaced disk would.
 */
public final class MemoryTargets implements TargetFactory {
  public record Stores(MemoryDataStore data, MemoryMetaStore meta, int disk) {}

  private final Map<TargetId, Stores> stores = new ConcurrentHashMap<>();
  private final ChunkEngine.Config config;
  private final boolean parallelReads;

  MemoryTargets(ChunkEngine.Config config, boolean parallelReads) {
    this.config = config;
    this.parallelReads = parallelReads;
  }

  /** Claims direct reads when asked to, so servers take the parallel batch-read path. */
  @Override
  public boolean directReads() {
    return parallelReads;
  }

  @Override
  public Map<TargetId, Integer> existing() {
    Map<TargetId, Integer> out = new TreeMap<>();
    stores.forEach((id, s) -> out.put(id, s.disk()));
    return out;
  }

  @Override
  public ChunkEngine open(TargetId id, int diskIndex) {
    Stores s = stores.get(id);
    return ChunkEngine.open(s.data(), s.meta(), config);
  }

  @Override
  public ChunkEngine create(TargetId id, int diskIndex) {
    stores.put(id, new Stores(new MemoryDataStore(8L << 30), new MemoryMetaStore(), diskIndex));
    return open(id, diskIndex);
  }

  @Override
  public int disks() {
    return 1;
  }

  public Stores stores(TargetId id) {
    return stores.get(id);
  }

  void wipe(TargetId id) {
    stores.remove(id);
  }
}
