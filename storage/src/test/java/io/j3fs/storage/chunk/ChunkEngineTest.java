package io.j3fs.storage.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chunk engine on memory stores, and once on files and RocksDB. */
class ChunkEngineTest {
  private static final int CHUNK = 1 << 20;
  private final MemoryDataStore data = new MemoryDataStore(1L << 30);
  private final MemoryMetaStore meta = new MemoryMetaStore();
  private ChunkEngine engine = ChunkEngine.open(data, meta, ChunkEngine.Config.DEFAULT);
  @TempDir Path dir;

  @AfterEach
  void close() {
    engine.close();
  }

  /**
   * With O_DIRECT reads on files, reads of every alignment (widened to 4 KiB and sliced back)
   * return the bytes written, including right after an overwrite and at the unaligned end of a
   * chunk.
   */
  @Test
  void directReadsOnFilesReturnTheBytesWritten() throws Exception {
    long seed = Long.getLong("chunk.seed", System.nanoTime());
    System.out.println("ChunkEngineTest.directReadsOnFilesReturnTheBytesWritten seed " + seed);
    Random random = new Random(seed);
    FileDataStore store = new FileDataStore(dir.resolve("direct-data"), 2, true);
    assertThat(store.readAlignment()).isEqualTo(FileDataStore.DIRECT_ALIGNMENT);
    for (boolean verify : new boolean[] {true, false}) {
      try (ChunkEngine files =
          ChunkEngine.open(
              new FileDataStore(dir.resolve("direct-" + verify), 2, true),
              new MemoryMetaStore(),
              new ChunkEngine.Config(verify, false, 0, 0))) {
        byte[][] contents = new byte[6][];
        for (int i = 0; i < contents.length; i++) {
          contents[i] = random(random, 1 + random.nextInt(200_000));
          files.write(ChunkId.of(7, i), 0, bytes(contents[i]), CHUNK, committed(1));
        }
        for (int round = 0; round < 300; round++) {
          int i = random.nextInt(contents.length);
          if (round % 50 == 49) {
            // A write does not shorten a chunk: the old tail past the new bytes stays.
            byte[] update = random(random, 1 + random.nextInt(200_000));
            files.write(ChunkId.of(7, i), 0, bytes(update), CHUNK, committed(2 + round));
            byte[] merged = Arrays.copyOf(contents[i], Math.max(contents[i].length, update.length));
            System.arraycopy(update, 0, merged, 0, update.length);
            contents[i] = merged;
          }
          int offset = random.nextInt(contents[i].length + 1);
          int length = random.nextInt(70_000);
          int end = Math.min(contents[i].length, offset + length);
          ChunkEngine.Read read = files.read(ChunkId.of(7, i), offset, length, false);
          try {
            byte[] got = new byte[read.bytes().readableBytes()];
            read.bytes().getBytes(read.bytes().readerIndex(), got);
            byte[] expected =
                end <= offset ? new byte[0] : Arrays.copyOfRange(contents[i], offset, end);
            assertThat(got)
                .as("seed %d, chunk %d, %d+%d, verify %s", seed, i, offset, length, verify)
                .isEqualTo(expected);
            assertThat(read.checksum()).isEqualTo(Crc32c.of(expected));
          } finally {
            read.bytes().release();
          }
        }
      }
    }
    store.close();
  }

  /**
   * A read's checksum is folded from the verified block checksums plus the two partial edge blocks,
   * so every combination of aligned and unaligned edges, and reads past the end, must give the
   * CRC32C of exactly the bytes returned; with verification off it is computed directly.
   */
  @Test
  void readChecksumCoversExactlyTheBytesReturned() {
    long seed = System.nanoTime();
    System.out.println("ChunkEngineTest.readChecksumCoversExactlyTheBytesReturned seed " + seed);
    Random random = new Random(seed);
    byte[] content = random(random, 3 * 4096 * 7 + 123);
    ChunkId id = ChunkId.of(9, 0);
    engine.write(id, 0, bytes(content), CHUNK, committed(1));
    ChunkEngine unverified =
        ChunkEngine.open(
            new MemoryDataStore(1L << 30),
            new MemoryMetaStore(),
            new ChunkEngine.Config(false, false, 0, 64L << 20));
    try (unverified) {
      unverified.write(id, 0, bytes(content), CHUNK, committed(1));
      for (int i = 0; i < 500; i++) {
        int offset =
            random.nextBoolean() ? random.nextInt(22) * 4096 : random.nextInt(content.length + 10);
        int length =
            random.nextBoolean() ? random.nextInt(8) * 4096 : random.nextInt(content.length);
        int end = Math.min(content.length, offset + length);
        byte[] expected = end <= offset ? new byte[0] : Arrays.copyOfRange(content, offset, end);
        assertThat(read(id, offset, length))
            .as("seed %d read %d+%d", seed, offset, length)
            .isEqualTo(expected);
        ChunkEngine.Read plain = unverified.read(id, offset, length, false);
        try {
          assertThat(plain.checksum()).isEqualTo(Crc32c.of(expected));
        } finally {
          plain.bytes().release();
        }
      }
    }
  }

  private static ChunkEngine.Stamp committed(long version) {
    return new ChunkEngine.Stamp(version, 1, true, "c", version);
  }

  private static ByteBuf bytes(byte[] b) {
    return Unpooled.wrappedBuffer(b);
  }

  private byte[] read(ChunkId id, int offset, int length) {
    ChunkEngine.Read read = engine.read(id, offset, length, false);
    try {
      byte[] out = new byte[read.bytes().readableBytes()];
      read.bytes().readBytes(out);
      assertThat(read.checksum()).as("checksum of the bytes returned").isEqualTo(Crc32c.of(out));
      return out;
    } finally {
      read.bytes().release();
    }
  }

  private static byte[] random(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void writesAppendsInPlaceAndCopiesOnWriteElsewhere() {
    Random random = new Random(1);
    ChunkId id = ChunkId.of(42, 0);
    byte[] first = random(random, 10_000);
    ChunkMeta m1 = engine.write(id, 0, bytes(first), CHUNK, committed(1));
    assertThat(m1.length()).isEqualTo(10_000);
    assertThat(m1.sizeClass()).isZero(); // 64 KiB class
    // Append with a gap: same slot, the gap reads as zeros.
    byte[] tail = random(random, 5_000);
    ChunkMeta m2 = engine.write(id, 20_000, bytes(tail), CHUNK, committed(2));
    assertThat(m2.slot()).isEqualTo(m1.slot());
    assertThat(m2.length()).isEqualTo(25_000);
    byte[] expected = new byte[25_000];
    System.arraycopy(first, 0, expected, 0, first.length);
    System.arraycopy(tail, 0, expected, 20_000, tail.length);
    assertThat(read(id, 0, CHUNK)).isEqualTo(expected);
    // Overwrite in the middle: copy on write to a fresh slot; the old one is freed and reused.
    byte[] middle = random(random, 3_000);
    ChunkMeta m3 = engine.write(id, 1_000, bytes(middle), CHUNK, committed(3));
    assertThat(m3.slot()).isNotEqualTo(m2.slot());
    System.arraycopy(middle, 0, expected, 1_000, middle.length);
    assertThat(read(id, 0, CHUNK)).isEqualTo(expected);
    assertThat(read(id, 1_500, 100)).isEqualTo(Arrays.copyOfRange(expected, 1_500, 1_600));
    ChunkMeta other = engine.write(ChunkId.of(43, 0), 0, bytes(first), CHUNK, committed(1));
    assertThat(other.slot()).isEqualTo(m2.slot());
    // Growing past the slot's class moves the chunk to a larger class.
    ChunkMeta m4 = engine.write(id, 100_000, bytes(tail), CHUNK, committed(4));
    assertThat(m4.sizeClass()).isEqualTo(SizeClasses.forLength(105_000));
    assertThat(m4.checksum()).isEqualTo(io.j3fs.common.checksum.Crc32c.of(read(id, 0, CHUNK)));
  }

  @Test
  void truncateShrinksAndExtendsWithZeros() {
    ChunkId id = ChunkId.of(7, 3);
    byte[] content = random(new Random(2), 50_000);
    engine.write(id, 0, bytes(content), CHUNK, committed(1));
    ChunkMeta cut = engine.truncate(id, 12_345, CHUNK, committed(2));
    assertThat(cut.length()).isEqualTo(12_345);
    assertThat(read(id, 0, CHUNK)).isEqualTo(Arrays.copyOf(content, 12_345));
    engine.truncate(id, 40_000, CHUNK, committed(3));
    // The old bytes past the cut stay in the slot but must read as zeros after extending.
    assertThat(read(id, 0, CHUNK)).isEqualTo(Arrays.copyOf(Arrays.copyOf(content, 12_345), 40_000));
    assertThat(engine.verify(id)).isTrue();
  }

  @Test
  void pendingUpdatesReadAsNotCommittedUntilCommitted() {
    ChunkId id = ChunkId.of(9, 0);
    engine.write(id, 0, bytes(new byte[] {1, 2, 3}), CHUNK, committed(1));
    engine.write(id, 3, bytes(new byte[] {4}), CHUNK, new ChunkEngine.Stamp(2, 1, false, "c", 77));
    assertThatThrownBy(() -> read(id, 0, 10))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.CHUNK_NOT_COMMITTED));
    assertThat(engine.meta(id).madeBy("c", 77)).isTrue();
    ChunkEngine.Read uncommitted = engine.read(id, 0, 10, true);
    assertThat(uncommitted.bytes().readableBytes()).isEqualTo(4);
    uncommitted.bytes().release();
    engine.commit(id, 2);
    assertThat(read(id, 0, 10)).containsExactly(1, 2, 3, 4);
    // A remove pending, then committed: the chunk is gone.
    engine.remove(id, new ChunkEngine.Stamp(3, 1, false, "c", 78));
    assertThatThrownBy(() -> read(id, 0, 10)).isInstanceOf(StatusException.class);
    engine.commit(id, 3);
    assertThat(engine.meta(id)).isNull();
    assertThat(read(id, 0, 10)).isEmpty();
  }

  @Test
  void aFlippedByteIsDetectedOnReadAndCounted() {
    ChunkId id = ChunkId.of(11, 0);
    byte[] content = random(new Random(3), 20_000);
    ChunkMeta m = engine.write(id, 0, bytes(content), CHUNK, committed(1));
    data.corrupt(m.sizeClass(), m.slot(), 9_000);
    // Reads that do not touch the damaged block still succeed.
    assertThat(read(id, 0, 4096)).isEqualTo(Arrays.copyOf(content, 4096));
    assertThatThrownBy(() -> read(id, 8_500, 100))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(StatusCode.CHECKSUM_MISMATCH);
              assertThat(e.getMessage()).contains("block 2");
            });
    assertThat(engine.checksumMismatches()).isEqualTo(1);
    assertThat(engine.verify(id)).isFalse();
  }

  @Test
  void aFullTargetRefusesWritesAndKeepsServingReads() {
    engine.close();
    engine =
        ChunkEngine.open(
            new MemoryDataStore(1L << 30),
            new MemoryMetaStore(),
            new ChunkEngine.Config(true, false, 4 * 65_536, 0));
    for (int i = 0; i < 4; i++) {
      engine.write(ChunkId.of(1, i), 0, bytes(new byte[1000]), CHUNK, committed(1));
    }
    assertThatThrownBy(
            () -> engine.write(ChunkId.of(1, 9), 0, bytes(new byte[10]), CHUNK, committed(1)))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(StatusCode.NO_SPACE);
              assertThat(e.getMessage()).contains("target is full");
            });
    assertThat(read(ChunkId.of(1, 2), 0, 10)).hasSize(10);
    assertThat(engine.space().freeBytes()).isZero();
    // Removing a chunk frees its slot for the next write.
    engine.remove(ChunkId.of(1, 0), committed(2));
    engine.write(ChunkId.of(1, 9), 0, bytes(new byte[10]), CHUNK, committed(1));
  }

  @Test
  void badRangesAreRefusedByName() {
    assertThatThrownBy(
            () ->
                engine.write(ChunkId.of(1, 0), CHUNK - 1, bytes(new byte[2]), CHUNK, committed(1)))
        .hasMessageContaining("does not fit a chunk of 1048576 bytes");
    assertThatThrownBy(
            () -> engine.write(ChunkId.of(1, 0), 0, bytes(new byte[2]), 128 << 20, committed(1)))
        .hasMessageContaining("chunk size must be");
  }

  @Test
  void reopeningRestoresChunksAndFreeSlotsOnFilesAndRocksDb() throws Exception {
    Path target = dir.resolve("target");
    Random random = new Random(4);
    byte[][] contents = new byte[20][];
    try (ChunkEngine files =
        ChunkEngine.open(
            new FileDataStore(target.resolve("data"), 4),
            new RocksMetaStore(target.resolve("meta")),
            ChunkEngine.Config.DEFAULT)) {
      assertThat(files.openedClean()).isFalse();
      for (int i = 0; i < contents.length; i++) {
        contents[i] = random(random, 1 + random.nextInt(300_000));
        files.write(ChunkId.of(5, i), 0, bytes(contents[i]), CHUNK, committed(1));
      }
      files.remove(ChunkId.of(5, 3), committed(2));
    }
    try (ChunkEngine files =
        ChunkEngine.open(
            new FileDataStore(target.resolve("data"), 4),
            new RocksMetaStore(target.resolve("meta")),
            ChunkEngine.Config.DEFAULT)) {
      assertThat(files.openedClean()).isTrue();
      assertThat(files.space().chunkCount()).isEqualTo(19);
      for (int i = 0; i < contents.length; i++) {
        ChunkEngine.Read read = files.read(ChunkId.of(5, i), 0, CHUNK, false);
        byte[] got = new byte[read.bytes().readableBytes()];
        read.bytes().readBytes(got);
        read.bytes().release();
        assertThat(got).isEqualTo(i == 3 ? new byte[0] : contents[i]);
      }
      assertThat(files.chunksOf(5)).hasSize(19);
      assertThat(files.chunksOf(5).getLast().id().chunkIndex()).isEqualTo(19);
      assertThat(files.chunksOf(6)).isEmpty();
    }
  }
}
