package io.j3fs.net;

/**
 * Largest message and payload a peer may send; checked on the header, before any allocation.
 *
 * @param maxMessageBytes protobuf message bytes per frame (default 16 MiB)
 * @param maxPayloadBytes raw payload bytes per frame (default 65 MiB: a 64 MiB chunk plus slack)
 */
public record FrameLimits(int maxMessageBytes, int maxPayloadBytes) {
  public static final FrameLimits DEFAULT = new FrameLimits(16 << 20, 65 << 20);

  public FrameLimits {
    if (maxMessageBytes < 1024 || maxPayloadBytes < 0) {
      throw new IllegalArgumentException(
          "frame limits must allow at least 1 KiB messages and a non-negative payload");
    }
  }
}
