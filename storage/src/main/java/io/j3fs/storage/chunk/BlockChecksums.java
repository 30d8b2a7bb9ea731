package io.j3fs.storage.chunk;

import io.j3fs.common.checksum.Crc32c;
import java.nio.ByteBuffer;

/**
 * Per-block CRC32C of chunk data. Reads verify only the blocks they touch (a 4 KiB random read
 * checks 4 KiB, not the chunk); the chunk's checksum is folded from the blocks with a precomputed
 * combiner, so an update recomputes only the blocks it changed.
 */
public final class BlockChecksums {
  private BlockChecksums() {}

  public static final int BLOCK_BYTES = 4096;
  private static final Crc32c.FixedLengthCombiner FULL_BLOCK = Crc32c.combinerFor(BLOCK_BYTES);
  public static final int[] NONE = new int[0];

  public static int blocks(long length) {
    return (int) ((length + BLOCK_BYTES - 1) / BLOCK_BYTES);
  }

  /** Checksums of every block of {@code data} (its remaining bytes, position unchanged). */
  public static int[] of(ByteBuffer data) {
    int length = data.remaining();
    int[] out = new int[blocks(length)];
    recompute(out, data, 0, 0, length);
    return out;
  }

  /**
   * Recomputes {@code out[firstBlock..]} from {@code content}, whose byte 0 is chunk offset {@code
   * contentOffset} (block aligned), for a chunk of {@code length} bytes.
   */
  public static void recompute(
      int[] out, ByteBuffer content, int contentOffset, int firstBlock, int length) {
    for (int block = firstBlock; block < out.length; block++) {
      int start = block * BLOCK_BYTES;
      int end = Math.min(length, start + BLOCK_BYTES);
      ByteBuffer slice = content.duplicate();
      int base = content.position() + start - contentOffset;
      slice.limit(base + end - start).position(base);
      out[block] = Crc32c.of(slice);
    }
  }

  /** The CRC32C of the whole chunk, folded from its blocks. */
  public static int chunkChecksum(int[] blocks, int length) {
    if (blocks.length == 0) {
      return 0;
    }
    int crc = blocks[0];
    for (int i = 1; i < blocks.length - 1; i++) {
      crc = FULL_BLOCK.combine(crc, blocks[i]);
    }
    if (blocks.length > 1) {
      int last = length - (blocks.length - 1) * BLOCK_BYTES;
      crc =
          last == BLOCK_BYTES
              ? FULL_BLOCK.combine(crc, blocks[blocks.length - 1])
              : Crc32c.combine(crc, blocks[blocks.length - 1], last);
    }
    return crc;
  }

  static byte[] encode(int[] blocks) {
    byte[] out = new byte[blocks.length * 4];
    for (int i = 0; i < blocks.length; i++) {
      int v = blocks[i];
      out[4 * i] = (byte) v;
      out[4 * i + 1] = (byte) (v >>> 8);
      out[4 * i + 2] = (byte) (v >>> 16);
      out[4 * i + 3] = (byte) (v >>> 24);
    }
    return out;
  }

  static int[] decode(byte[] bytes) {
    int[] out = new int[bytes.length / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          (bytes[4 * i] & 0xff)
              | (bytes[4 * i + 1] & 0xff) << 8
              | (bytes[4 * i + 2] & 0xff) << 16
              | (bytes[4 * i + 3] & 0xff) << 24;
    }
    return out;
  }
}
