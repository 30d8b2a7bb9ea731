package io.j3fs.client.storage;

import io.j3fs.proto.storage.ReadResult;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Checks a read's bytes against the stored CRC32C of each 4 KiB block they cover, as the replica
 * sent them: what the client gets is then checked end to end, from the data the replica wrote
 * through its disk and the network, while the replica itself never passes over the bytes.
 */
final class BlockCheck {
  private BlockCheck() {}

  /** The storage service's checksum block (its {@code BlockChecksums.BLOCK_BYTES}). */
  static final int BLOCK_BYTES = 4096;

  /**
   * The first block of {@code bytes} (whole blocks from a block boundary; the last may be partial)
   * that does not match {@code result}'s block checksums, or -1 when all match and the counts
   * agree. Goes over the buffer's components as they are (no copy into one buffer).
   */
  static int firstBadBlock(ByteBuf bytes, ReadResult result) {
    int expected = result.getBlockChecksumsCount();
    if (expected != (bytes.readableBytes() + BLOCK_BYTES - 1) / BLOCK_BYTES) {
      return 0;
    }
    CRC32C crc = new CRC32C();
    int block = 0;
    int inBlock = 0;
    for (ByteBuffer component : bytes.nioBuffers()) {
      ByteBuffer view = component.duplicate();
      while (view.hasRemaining()) {
        int n = Math.min(view.remaining(), BLOCK_BYTES - inBlock);
        int limit = view.limit();
        view.limit(view.position() + n);
        crc.update(view);
        view.limit(limit);
        inBlock += n;
        if (inBlock == BLOCK_BYTES) {
          if ((int) crc.getValue() != result.getBlockChecksums(block)) {
            return block;
          }
          block++;
          inBlock = 0;
          crc.reset();
        }
      }
    }
    if (inBlock > 0 && (int) crc.getValue() != result.getBlockChecksums(block)) {
      return block;
    }
    return -1;
  }
}
