package io.j3fs.meta;

import io.j3fs.common.id.InodeId;
import io.j3fs.proto.meta.Layout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Storage as the metadata service sees it, in memory: each file's data length ("written" by the
 * test), what truncations and removals were asked for.
 */
public final class FakeChunkStorage implements ChunkStorage {
  public final Map<Long, Long> lengths = new ConcurrentHashMap<>();
  public final Map<Long, Integer> removals = new ConcurrentHashMap<>();
  public final Map<Long, Long> truncatedTo = new ConcurrentHashMap<>();

  /** A client wrote up to {@code length} bytes of the file. */
  public void written(long inode, long length) {
    lengths.merge(inode, length, Math::max);
  }

  @Override
  public long queryLength(InodeId inode, Layout layout) {
    return lengths.getOrDefault(inode.value(), 0L);
  }

  @Override
  public void truncate(InodeId inode, Layout layout, long length) {
    truncatedTo.put(inode.value(), length);
    lengths.computeIfPresent(inode.value(), (k, v) -> Math.min(v, length));
  }

  @Override
  public void removeAll(InodeId inode, Layout layout) {
    removals.merge(inode.value(), 1, Integer::sum);
    lengths.remove(inode.value());
  }

  /** What {@link #space()} answers (raw bytes, every replica counted). */
  public volatile Space space = new Space(0, 0, 0);

  @Override
  public Space space() {
    return space;
  }
}
