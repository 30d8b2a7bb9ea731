package io.j3fs.storage.chunk;

import io.j3fs.common.checksum.Crc32c;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Slot I/O for {@link ChunkEngine}, which holds the locks. A read widens the range to whole 4 KiB
 * blocks when verifying and to the store's direct-I/O alignment, reads it into an aligned place of
 * a pooled buffer, verifies the blocks and folds the checksum of exactly the bytes asked for, and
 * returns a slice of them. Updates use the partial last block and zero filling.
 */
final class SlotIo {
  private SlotIo() {}

  /**
   * Bytes [offset, end) of the chunk (0 <= offset < end <= length).
   *
   * @throws BlockChecksums.Mismatch when verifying and a block does not match
   */
  static ChunkEngine.Read read(
      DataStore data,
      ByteBufAllocator allocator,
      ChunkMeta meta,
      int offset,
      int end,
      boolean verify)
      throws IOException {
    int block = BlockChecksums.BLOCK_BYTES;
    // [readStart, readEnd): what is checked (whole blocks when verifying, else what was asked).
    int readStart = verify ? offset / block * block : offset;
    int readEnd = verify ? Math.min(meta.length(), (end + block - 1) / block * block) : end;
    ByteBuf buf = readRange(data, allocator, meta, readStart, readEnd);
    try {
      ByteBuffer bytes = buf.nioBuffer();
      int checksum =
          verify
              ? BlockChecksums.verifyAndFold(meta.blockChecksums(), bytes, readStart, offset, end)
              : Crc32c.of(bytes);
      return new ChunkEngine.Read(
          meta, buf.retainedSlice(buf.readerIndex() + offset - readStart, end - offset), checksum);
    } finally {
      buf.release();
    }
  }

  /**
   * Bytes [start, end) of a slot in a new buffer (the caller's), read as one I/O widened to the
   * store's direct-I/O alignment into an aligned place of a pooled buffer.
   */
  static ByteBuf readRange(
      DataStore data, ByteBufAllocator allocator, ChunkMeta meta, int start, int end)
      throws IOException {
    Aligned aligned = aligned(allocator, data.readAlignment(), start, end);
    try {
      data.read(meta.sizeClass(), meta.slot(), aligned.ioStart(), aligned.io());
      aligned.buf().setIndex(aligned.readAt(), aligned.readAt() + end - start);
      return aligned.buf();
    } catch (IOException | RuntimeException e) {
      aligned.buf().release();
      throw e;
    }
  }

  /**
   * A pooled buffer (the caller's) for chunk bytes [start, end) read as one I/O of [ioStart,
   * ioStart + io.remaining()), widened to {@code align} and placed at an aligned address; the bytes
   * asked for land at index {@code readAt}.
   */
  record Aligned(ByteBuf buf, int ioStart, ByteBuffer io, int readAt) {}

  static Aligned aligned(ByteBufAllocator allocator, int align, int start, int end) {
    int ioStart = start / align * align;
    int ioEnd = (end + align - 1) / align * align;
    int ioLength = ioEnd - ioStart;
    ByteBuf buf = allocator.directBuffer(ioLength + align - 1);
    int pad = align == 1 ? 0 : (align - buf.nioBuffer(0, 1).alignmentOffset(0, align)) % align;
    return new Aligned(buf, ioStart, buf.nioBuffer(pad, ioLength), pad + start - ioStart);
  }

  /** The bytes of block {@code block} of a chunk that exist (the last block may be partial). */
  static ByteBuf partialBlock(DataStore data, ByteBufAllocator allocator, ChunkMeta meta, int block)
      throws IOException {
    int start = block * BlockChecksums.BLOCK_BYTES;
    int n = meta.length() - start;
    ByteBuf buf = allocator.directBuffer(Math.max(n, 1));
    if (n > 0) {
      data.read(meta.sizeClass(), meta.slot(), start, buf.nioBuffer(0, n));
      buf.writerIndex(n);
    }
    return buf;
  }

  /** Writes {@code count} zero bytes at {@code offset} of a slot, 1 MiB at a time. */
  static void writeZeros(DataStore data, int sizeClass, long slot, int offset, int count)
      throws IOException {
    ByteBuffer zeros = ByteBuffer.allocateDirect(Math.min(count, 1 << 20));
    int at = offset;
    int left = count;
    while (left > 0) {
      int n = Math.min(left, zeros.capacity());
      data.write(sizeClass, slot, at, zeros.duplicate().limit(n));
      at += n;
      left -= n;
    }
  }

  /**
   * Recomputes blocks from {@code firstBlock} for content = head ++ zeros(gap) ++ payload, which
   * starts at block {@code firstBlock}.
   */
  static void recomputeBlocks(
      int[] blocks, int firstBlock, int newLength, ByteBuf head, int gap, ByteBuffer payload) {
    int start = firstBlock * BlockChecksums.BLOCK_BYTES;
    ByteBuf content = PooledByteBufAllocator.DEFAULT.directBuffer(newLength - start);
    try {
      content.writeBytes(head, head.readerIndex(), head.readableBytes());
      content.writeZero(gap);
      content.writeBytes(payload.duplicate());
      BlockChecksums.recompute(blocks, content.nioBuffer(), start, firstBlock, newLength);
    } finally {
      content.release();
    }
  }
}
