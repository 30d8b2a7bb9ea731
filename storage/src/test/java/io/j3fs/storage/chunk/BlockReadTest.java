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

  /**
   * A batch of direct reads on files goes to the disk together (io_uring where the kernel has it)
   * and returns, per read, the bytes asked for: checked here, or with the block checksums for the
   * client; absent chunks read empty, a pending chunk fails alone, and a damaged block fails the
   * reads the server checks while the client's check catches it in the others.
   */
  @Test
  void batchesOfDirectReadsReturnEveryReadsBytesAndFailAlone() throws Exception {
    long seed = System.nanoTime();
    System.out.println("BlockReadTest.batches seed " + seed);
    Random random = new Random(seed);
    FileDataStore store = new FileDataStore(dir.resolve("direct"), 3, true);
    try (ChunkEngine engine =
        ChunkEngine.open(store, new MemoryMetaStore(), ChunkEngine.Config.DEFAULT)) {
      byte[][] contents = new byte[12][];
      for (int c = 0; c < contents.length; c++) {
        contents[c] = random(random, 1 + random.nextInt(300_000));
        engine.write(
            ChunkId.of(20, c), 0, Unpooled.wrappedBuffer(contents[c]), CHUNK, committed(1));
      }
      for (int round = 0; round < 20; round++) {
        java.util.List<ChunkEngine.BatchItem> items = new java.util.ArrayList<>();
        for (int k = 0; k < 40; k++) {
          int c = random.nextInt(contents.length + 1); // the last one is absent
          int offset = random.nextBoolean() ? random.nextInt(80) * 4096 : random.nextInt(300_000);
          int length = random.nextBoolean() ? 4096 : random.nextInt(200_000);
          items.add(new ChunkEngine.BatchItem(ChunkId.of(20, c), offset, length, k % 2 == 0));
        }
        java.util.List<Object> outcomes = engine.readBatch(items, false);
        for (int k = 0; k < items.size(); k++) {
          ChunkEngine.BatchItem item = items.get(k);
          int c = (int) item.id().chunkIndex();
          byte[] content = c < contents.length ? contents[c] : new byte[0];
          int end = Math.min(content.length, item.offset() + item.length());
          byte[] expected =
              end <= item.offset() ? new byte[0] : Arrays.copyOfRange(content, item.offset(), end);
          assertThat(readBytes(outcomes.get(k), item.clientVerifies()))
              .as("seed %d round %d read %d", seed, round, k)
              .isEqualTo(expected);
        }
      }
      boolean uring = IoUring.available();
      System.out.println("BlockReadTest: io_uring " + (uring ? "available" : "unavailable"));
      if (uring) {
        assertThat(store.uringReads()).as("reads through io_uring").isPositive();
      }
      assertThat(engine.pinnedSlots()).isZero();

      // A pending chunk fails alone; a damaged block fails the server's check and the client's.
      engine.write(ChunkId.of(20, 1), 0, Unpooled.wrappedBuffer(contents[1]), CHUNK, pending(2));
      ChunkMeta damaged = engine.meta(ChunkId.of(20, 2));
      Path file =
          dir.resolve("direct")
              .resolve("class-" + SizeClasses.bytes(damaged.sizeClass()))
              .resolve(String.format("%03d.data", damaged.slot() % 3));
      try (java.nio.channels.FileChannel channel =
          java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
        long at = (damaged.slot() / 3) * (long) SizeClasses.bytes(damaged.sizeClass()) + 5;
        byte flipped = (byte) (contents[2][5] ^ 0x40);
        channel.write(ByteBuffer.wrap(new byte[] {flipped}), at);
      }
      java.util.List<Object> outcomes =
          engine.readBatch(
              java.util.List.of(
                  new ChunkEngine.BatchItem(ChunkId.of(20, 1), 0, 100, true),
                  new ChunkEngine.BatchItem(ChunkId.of(20, 2), 0, 100, false),
                  new ChunkEngine.BatchItem(ChunkId.of(20, 2), 0, 100, true),
                  new ChunkEngine.BatchItem(ChunkId.of(20, 3), 0, 100, false)),
              false);
      assertThat(((StatusException) outcomes.get(0)).code())
          .isEqualTo(StatusCode.CHUNK_NOT_COMMITTED);
      assertThat(((StatusException) outcomes.get(1)).code())
          .isEqualTo(StatusCode.CHECKSUM_MISMATCH);
      assertThat(engine.checksumMismatches()).isEqualTo(1);
      ChunkEngine.BlockRead unchecked = (ChunkEngine.BlockRead) outcomes.get(2);
      try {
        byte[] got = new byte[unchecked.bytes().readableBytes()];
        unchecked.bytes().getBytes(unchecked.bytes().readerIndex(), got);
        assertThat(Crc32c.of(got, 0, 4096)).isNotEqualTo(unchecked.checksums()[0]);
      } finally {
        unchecked.bytes().release();
      }
      assertThat(readBytes(outcomes.get(3), false))
          .isEqualTo(Arrays.copyOfRange(contents[3], 0, Math.min(100, contents[3].length)));
    }
  }

  /**
   * A range not in the page cache is brought in (one read of the range) by the reading thread
   * before it is handed on, so sendfile on the event loop does not wait for the disk.
   */
  @Test
  void aColdRangeIsInThePageCacheBeforeItIsSent() throws Exception {
    FileDataStore store = new FileDataStore(dir.resolve("cold"), 1);
    try (ChunkEngine engine =
        ChunkEngine.open(store, new MemoryMetaStore(), ChunkEngine.Config.DEFAULT)) {
      byte[] content = random(new Random(11), 300_000);
      ChunkId id = ChunkId.of(30, 0);
      ChunkMeta meta = engine.write(id, 0, Unpooled.wrappedBuffer(content), CHUNK, committed(1));
      store.sync();
      Path file =
          dir.resolve("cold")
              .resolve("class-" + SizeClasses.bytes(meta.sizeClass()))
              .resolve("000.data");
      int fd = PageCacheHints.open(file);
      try {
        long at = meta.slot() * (long) SizeClasses.bytes(meta.sizeClass());
        PageCacheHints.dontNeed(fd, at, content.length);
        assertThat(PageCacheHints.cached(fd, at, content.length)).as("made cold").isZero();
        ChunkEngine.BlockRead read = engine.readBlocks(id, 0, CHUNK, false);
        try {
          assertThat(read.region()).isNotNull();
          assertThat(PageCacheHints.cached(fd, read.region().position(), read.region().count()))
              .as("cached before it is sent")
              .isEqualTo(1);
          assertThat(verified(read)).isEqualTo(content);
        } finally {
          read.release().run();
        }
      } finally {
        PageCacheHints.close(fd);
      }
    }
  }

  /** The bytes asked for of one batch outcome (checked either way), its buffers released. */
  private static byte[] readBytes(Object outcome, boolean clientVerifies) throws IOException {
    if (outcome instanceof StatusException e) {
      throw e;
    }
    if (clientVerifies) {
      ChunkEngine.BlockRead read = (ChunkEngine.BlockRead) outcome;
      try {
        return verified(read);
      } finally {
        if (read.bytes() != null) {
          read.bytes().release();
        }
      }
    }
    ChunkEngine.Read read = (ChunkEngine.Read) outcome;
    try {
      byte[] out = new byte[read.bytes().readableBytes()];
      read.bytes().getBytes(read.bytes().readerIndex(), out);
      assertThat(read.checksum()).isEqualTo(Crc32c.of(out));
      return out;
    } finally {
      read.bytes().release();
    }
  }
}
