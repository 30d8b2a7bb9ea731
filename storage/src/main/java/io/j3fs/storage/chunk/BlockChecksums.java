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

  /** A block whose bytes do not match its stored checksum. */
  static final class Mismatch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int block;

    Mismatch(int block) {
      super("block " + block + " does not match its checksum", null, false, false);
      this.block = block;
    }
  }

  /**
   * Checks every block in {@code data}, whose byte 0 is chunk offset {@code dataStart} (block
   * aligned; the data ends at a block end or at the chunk's end), against {@code stored}, and
   * returns the CRC32C of chunk bytes [offset, end) in the same pass: whole blocks contribute their
   * verified checksum, only the partial blocks at the two edges are checksummed again. This is what
   * lets a read answer with a checksum of exactly the bytes it returns for the cost of one pass.
   *
   * @throws Mismatch naming the first block that does not match
   */
  static int verifyAndFold(int[] stored, ByteBuffer data, int dataStart, int offset, int end) {
    int dataEnd = dataStart + data.remaining();
    int base = data.position();
    int crc = 0;
    boolean first = true;
    for (int at = dataStart; at < dataEnd; at += BLOCK_BYTES) {
      int block = at / BLOCK_BYTES;
      int blockEnd = Math.min(dataEnd, at + BLOCK_BYTES);
      ByteBuffer slice = data.duplicate().limit(base + blockEnd - dataStart);
      slice.position(base + at - dataStart);
      int blockCrc = Crc32c.of(slice);
      if (block >= stored.length || blockCrc != stored[block]) {
        throw new Mismatch(block);
      }
      int from = Math.max(at, offset);
      int to = Math.min(blockEnd, end);
      if (from >= to) {
        continue;
      }
      int part;
      if (from == at && to == blockEnd) {
        part = blockCrc;
      } else {
        slice.limit(base + to - dataStart).position(base + from - dataStart);
        part = Crc32c.of(slice);
      }
      int partLength = to - from;
      if (first) {
        crc = part;
        first = false;
      } else {
        crc =
            partLength == BLOCK_BYTES
                ? FULL_BLOCK.combine(crc, part)
                : Crc32c.combine(crc, part, partLength);
      }
    }
    return crc;
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
