package io.j3fs.common.id;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A chunk: one piece of one file on one chain, 16 bytes big-endian as 3FS lays it out: tenant (1, 0
 * today), reserved (1), inode id (8), track (2), chunk index (4). Big-endian so that a file's
 * chunks sort together and by index in a target's metadata store (range scans find a file's last
 * chunk).
 */
public final class ChunkId implements Comparable<ChunkId> {
  public static final int BYTES = 16;

  private final byte[] bytes;

  private ChunkId(byte[] bytes) {
    this.bytes = bytes;
  }

  public static ChunkId of(long inodeId, int track, long chunkIndex) {
    if (track < 0 || track > 0xffff) {
      throw new IllegalArgumentException("track must be 0-65535, got " + track);
    }
    if (chunkIndex < 0 || chunkIndex > 0xffff_ffffL) {
      throw new IllegalArgumentException("chunk index must fit in 32 bits, got " + chunkIndex);
    }
    byte[] b = new byte[BYTES];
    for (int i = 0; i < 8; i++) {
      b[2 + i] = (byte) (inodeId >>> (56 - 8 * i));
    }
    b[10] = (byte) (track >>> 8);
    b[11] = (byte) track;
    for (int i = 0; i < 4; i++) {
      b[12 + i] = (byte) (chunkIndex >>> (24 - 8 * i));
    }
    return new ChunkId(b);
  }

  public static ChunkId of(long inodeId, long chunkIndex) {
    return of(inodeId, 0, chunkIndex);
  }

  /** Decodes 16 bytes (as stored or sent); rejects any other length. */
  public static ChunkId fromBytes(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a chunk id is " + BYTES + " bytes, got " + bytes.length);
    }
    return new ChunkId(bytes.clone());
  }

  /** The first chunk id of an inode (index 0, track 0): the start of its range. */
  public static ChunkId first(long inodeId) {
    return of(inodeId, 0, 0);
  }

  /** A copy of the 16 bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  public long inodeId() {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (bytes[2 + i] & 0xff);
    }
    return v;
  }

  public int track() {
    return ((bytes[10] & 0xff) << 8) | (bytes[11] & 0xff);
  }

  public long chunkIndex() {
    long v = 0;
    for (int i = 0; i < 4; i++) {
      v = (v << 8) | (bytes[12 + i] & 0xff);
    }
    return v;
  }

  @Override
  public int compareTo(ChunkId other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChunkId other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(bytes, 2, 10) + ":" + track() + ":" + chunkIndex();
  }
}
