package io.j3fs.storage.target;

import io.j3fs.common.id.TargetId;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.chunk.FileDataStore;
import io.j3fs.storage.chunk.RocksMetaStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Targets as directories: {@code <disk path>/target-<id>/} with {@code data/} (chunk files) and
 * {@code meta/} (RocksDB). The disk index of a target is the position of its disk path in the
 * node's config.
 */
public final class DiskTargets implements TargetFactory {
  private final List<Path> disks;
  private final int filesPerClass;
  private final boolean directReads;
  private final ChunkEngine.Config engineConfig;

  public DiskTargets(
      List<Path> disks, int filesPerClass, boolean directReads, ChunkEngine.Config engineConfig) {
    this.disks = List.copyOf(disks);
    this.filesPerClass = filesPerClass;
    this.directReads = directReads;
    this.engineConfig = engineConfig;
  }

  private Path dir(TargetId id, int disk) {
    return disks.get(disk).resolve("target-" + id.value());
  }

  @Override
  public Map<TargetId, Integer> existing() throws IOException {
    Map<TargetId, Integer> out = new TreeMap<>();
    for (int disk = 0; disk < disks.size(); disk++) {
      Path root = disks.get(disk);
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> entries = Files.list(root)) {
        for (Path entry : entries.toList()) {
          String name = entry.getFileName().toString();
          if (name.startsWith("target-") && Files.isDirectory(entry.resolve("meta"))) {
            try {
              out.put(TargetId.of(Long.parseLong(name.substring(7))), disk);
            } catch (NumberFormatException e) {
              // not ours
            }
          }
        }
      }
    }
    return out;
  }

  @Override
  public ChunkEngine open(TargetId id, int disk) throws IOException {
    Path dir = dir(id, disk);
    return ChunkEngine.open(
        new FileDataStore(dir.resolve("data"), filesPerClass, directReads),
        new RocksMetaStore(dir.resolve("meta")),
        engineConfig);
  }

  @Override
  public ChunkEngine create(TargetId id, int disk) throws IOException {
    Files.createDirectories(dir(id, disk));
    return open(id, disk);
  }

  @Override
  public boolean directReads() {
    return directReads;
  }

  @Override
  public int disks() {
    return disks.size();
  }
}
