package io.j3fs.storage.target;

import io.j3fs.common.id.TargetId;
import io.j3fs.storage.chunk.ChunkEngine;
import java.io.IOException;
import java.util.Map;

/**
 * Opens and creates the chunk engines of a node's targets: on disk directories for a process
 * ({@link DiskTargets}), in memory for the simulator.
 */
public interface TargetFactory {
  /** Targets that already exist on this node, by id, with their disk index. */
  Map<TargetId, Integer> existing() throws IOException;

  /** Opens an existing target. */
  ChunkEngine open(TargetId id, int diskIndex) throws IOException;

  /** Creates an empty target on a disk and opens it. */
  ChunkEngine create(TargetId id, int diskIndex) throws IOException;

  /** Number of disks (target directories' roots) on this node. */
  int disks();

  /**
   * Whether the engines read with O_DIRECT: each read then waits for the disk, so the reads of one
   * batch are worth issuing at once (the disk serves many in parallel); page-cache reads are not.
   */
  default boolean directReads() {
    return false;
  }
}
