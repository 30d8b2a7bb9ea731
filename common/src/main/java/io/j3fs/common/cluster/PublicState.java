package io.j3fs.common.cluster;

/**
 * A target's state as clients and services see it (3FS's public states). Declaration order is the
 * order targets take in a chain: serving targets first, offline last.
 */
public enum PublicState {
  /** Alive and serving reads and writes. */
  SERVING(true, true),
  /** Down, and it was the last serving target of its chain: it holds the newest data. */
  LASTSRV(false, false),
  /** Alive, receiving writes, data recovery in progress. */
  SYNCING(false, true),
  /** Alive, data recovery not started yet. */
  WAITING(false, false),
  /** Down, or its disk failed. */
  OFFLINE(false, false);

  private final boolean servesReads;
  private final boolean receivesWrites;

  PublicState(boolean servesReads, boolean receivesWrites) {
    this.servesReads = servesReads;
    this.receivesWrites = receivesWrites;
  }

  public boolean servesReads() {
    return servesReads;
  }

  public boolean receivesWrites() {
    return receivesWrites;
  }
}
