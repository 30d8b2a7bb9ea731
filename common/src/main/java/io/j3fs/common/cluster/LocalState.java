package io.j3fs.common.cluster;

/**
 * A target's state as its storage service reports it in heartbeats (3FS's local states); the
 * trigger of changes.
 */
public enum LocalState {
  /** Alive and holding current data. */
  UP_TO_DATE,
  /** Alive, but waiting for or in data recovery. */
  ONLINE,
  /** Its service is down (no heartbeat) or its disk failed. */
  OFFLINE
}
