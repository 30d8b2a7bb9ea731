package io.j3fs.storage.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the client verifies ({@link ChunkEngine#readBlocks}): whole blocks with their stored
 * checksums, sent from the data file on files (the slot pinned until sent) and from a buffer
 * otherwise.
 */
class BlockReadTest {
  private static final int CHUNK = 1 << 20;
  @TempDir Path dir;

  private static ChunkEngine.Stamp committed(long version) {
    return new ChunkEngine.Stamp(version, 1, true, "c", version);
  }

  private static ChunkEngine.Stamp pending(long version) {
    return new ChunkEngine.Stamp(version, 1, false, "c", version);
  }

  private static byte[] random(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** The bytes a block read carries (region or buffer), whole blocks. */
  private static byte[] carried(ChunkEngine.BlockRead read) throws IOException {
    if (read.region() != null) {
      ByteBuffer out = ByteBuffer.allocate(read.region().count());
      long at = read.region().position();
      while (out.hasRemaining()) {
        at += read.region().channel().read(out, at);
      }
      return out.array();
    }
    if (read.bytes() == null) {
      return new byte[0];
    }
    byte[] out = new byte[read.bytes().readableBytes()];
    read.bytes().getBytes(read.bytes().readerIndex(), out);
    return out;
  }

  /** Checks the carried blocks against the checksums and returns the bytes asked for. */
  private static byte[] verified(ChunkEngine.BlockRead read) throws IOException {
    byte[] whole = carried(read);
    assertThat(whole.length).isEqualTo(read.end() - read.start());
    assertThat(read.checksums()).hasSize(BlockChecksums.blocks(whole.length));
    for (int b = 0; b < read.checksums().length; b++) {
      int from = b * BlockChecksums.BLOCK_BYTES;
      int to = Math.min(whole.length, from + BlockChecksums.BLOCK_BYTES);
      assertThat(Crc32c.of(whole, from, to - from))
          .as("block %d", b)
          .isEqualTo(read.checksums()[b]);
    }
    return Arrays.copyOfRange(whole, read.leading(), whole.length - read.trailing());
  }

  @Test
  void blockReadsOfEveryAlignmentCarryWholeVerifiableBlocksOnFilesAndInMemory() throws Exception {
    long seed = System.nanoTime();
    System.out.println("BlockReadTest seed " + seed);
    Random random = new Random(seed);
    byte[] content = random(random, 5 * 4096 + 777);
    ChunkId id = ChunkId.of(3, 0);
    try (ChunkEngine files =
            ChunkEngine.open(
                new FileDataStore(dir.resolve("data"), 2),
                new MemoryMetaStore(),
                ChunkEngine.Config.DEFAULT);
        ChunkEngine memory =
            ChunkEngine.open(
                new MemoryDataStore(1L << 30), new MemoryMetaStore(), ChunkEngine.Config.DEFAULT)) {
      for (ChunkEngine engine : new ChunkEngine[] {files, memory}) {
        engine.write(id, 0, Unpooled.wrappedBuffer(content), CHUNK, committed(1));
        for (int i = 0; i < 300; i++) {
          int offset =
              random.nextBoolean() ? random.nextInt(7) * 4096 : random.nextInt(content.length + 10);
          int length =
              random.nextBoolean() ? random.nextInt(4) * 4096 : random.nextInt(content.length);
          int end = Math.min(content.length, offset + length);
          byte[] expected = end <= offset ? new byte[0] : Arrays.copyOfRange(content, offset, end);
          ChunkEngine.BlockRead read = engine.readBlocks(id, offset, length, false);
          try {
            assertThat(read.region() != null)
                .as("sent from the file")
                .isEqualTo(engine == files && expected.length > 0);
            assertThat(verified(read))
                .as("seed %d read %d+%d", seed, offset, length)
                .isEqualTo(expected);
          } finally {
            read.release().run();
            if (read.bytes() != null) {
              read.bytes().release();
            }
          }
        }
        assertThat(engine.pinnedSlots()).isZero();
      }
      // An absent chunk carries nothing; a pending one is refused like any read.
      assertThat(files.readBlocks(ChunkId.of(4, 0), 0, 100, false).end()).isZero();
      files.write(id, 0, Unpooled.wrappedBuffer(content), CHUNK, pending(2));
      assertThatThrownBy(() -> files.readBlocks(id, 0, 100, false))
          .isInstanceOfSatisfying(
              StatusException.class,
              e -> assertThat(e.code()).isEqualTo(StatusCode.CHUNK_NOT_COMMITTED));
    }
  }

  /**
   * While a read is being sent from the file, its slot is neither freed (so no other chunk takes
   * it) nor appended to in place over what the read sends; once released, the slot is freed.
   */
  @Test
  void aPinnedSlotIsNotReusedOrOverwrittenUntilItsReadIsSent() throws Exception {
    Random random = new Random(7);
    try (ChunkEngine engine =
        ChunkEngine.open(
            new FileDataStore(dir.resolve("pins"), 1),
            new MemoryMetaStore(),
            ChunkEngine.Config.DEFAULT)) {
      ChunkId id = ChunkId.of(8, 0);
      byte[] first = random(random, 40_000);
      ChunkMeta m1 = engine.write(id, 0, Unpooled.wrappedBuffer(first), CHUNK, committed(1));
      ChunkEngine.BlockRead sending = engine.readBlocks(id, 0, CHUNK, false);
      assertThat(sending.region()).isNotNull();
      assertThat(engine.pinnedSlots()).isEqualTo(1);

      // Shrink (in place), then append: the append would overwrite bytes the pinned read still
      // sends, so it goes to a fresh slot instead.
      engine.truncate(id, 10_000, CHUNK, committed(2));
      byte[] tail = random(random, 20_000);
      ChunkMeta m3 = engine.write(id, 10_000, Unpooled.wrappedBuffer(tail), CHUNK, committed(3));
      assertThat(m3.slot()).isNotEqualTo(m1.slot());
      // The old slot was given up while pinned: a new chunk may not take it.
      ChunkMeta other =
          engine.write(ChunkId.of(9, 0), 0, Unpooled.wrappedBuffer(tail), CHUNK, committed(1));
      assertThat(other.slot()).isNotEqualTo(m1.slot());
      assertThat(verified(sending)).isEqualTo(first);

      sending.release().run();
      assertThat(engine.pinnedSlots()).isZero();
      ChunkMeta next =
          engine.write(ChunkId.of(10, 0), 0, Unpooled.wrappedBuffer(tail), CHUNK, committed(1));
      assertThat(next.slot()).as("freed at the last unpin, then reused").isEqualTo(m1.slot());

      // Unpinned, appends go in place again.
      ChunkMeta m4 =
          engine.write(id, 30_000, Unpooled.wrappedBuffer(new byte[100]), CHUNK, committed(4));
      assertThat(m4.slot()).isEqualTo(m3.slot());
      ByteBuf all = engine.read(id, 0, CHUNK, false).bytes();
      try {
        assertThat(all.readableBytes()).isEqualTo(30_100);
      } finally {
        all.release();
      }
    }
  }
}
