package io.j3fs.storage.chunk;

import io.j3fs.common.id.ChunkId;
import java.util.function.Consumer;

/**
 * Durable chunk metadata of one target (3FS: one RocksDB per target), plus a few named target
 * properties. Writes are atomic per call; {@code sync} makes the write durable before returning
 * (otherwise it survives a process crash, not a machine crash). Thread-safe.
 */
public interface MetaStore extends AutoCloseable {
  void put(ChunkMeta meta, boolean sync);

  void delete(ChunkId id, boolean sync);

  /** Every stored chunk, in chunk id order (at open). */
  void forEach(Consumer<ChunkMeta> consumer);

  void putProperty(String name, String value, boolean sync);

  /** The property, or null. */
  String property(String name);

  @Override
  void close();
}
