package io.j3fs.storage.chunk;

import io.j3fs.common.id.ChunkId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * Chunk metadata in memory (the simulator's). Values go through the same encoding as RocksDB's, so
 * a reopened engine reads exactly what was stored. Survives a simulated process crash.
 */
public final class MemoryMetaStore implements MetaStore {
  private final ConcurrentSkipListMap<ChunkId, byte[]> chunks = new ConcurrentSkipListMap<>();
  private final ConcurrentHashMap<String, String> properties = new ConcurrentHashMap<>();

  @Override
  public void put(ChunkMeta meta, boolean sync) {
    chunks.put(meta.id(), MetaCodec.encode(meta));
  }

  @Override
  public void delete(ChunkId id, boolean sync) {
    chunks.remove(id);
  }

  @Override
  public void forEach(Consumer<ChunkMeta> consumer) {
    chunks.forEach((id, value) -> consumer.accept(MetaCodec.decode(id, value)));
  }

  @Override
  public void putProperty(String name, String value, boolean sync) {
    properties.put(name, value);
  }

  @Override
  public String property(String name) {
    return properties.get(name);
  }

  /** Forgets everything (a wiped disk). */
  public void wipe() {
    chunks.clear();
    properties.clear();
  }

  @Override
  public void close() {}
}
