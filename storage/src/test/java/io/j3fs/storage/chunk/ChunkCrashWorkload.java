package io.j3fs.storage.chunk;

import io.j3fs.common.id.ChunkId;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;

/**
 * The child of {@link ChunkCrashTest}: rewrites chunks forever on files and RocksDB, printing "ack
 * chunk version" after each update returns, until it is killed. Odd versions rewrite the whole
 * chunk, even ones a middle range (copy on write with a copy of the rest).
 */
public final class ChunkCrashWorkload {
  static final int CHUNKS = 8;
  static final int LENGTH = 200_000;

  private ChunkCrashWorkload() {}

  /** The bytes of the chunk at {@code version}. */
  static byte[] content(int chunk, long version) {
    byte[] out = new byte[LENGTH];
    long base = version % 2 == 1 ? version : version - 1;
    fill(out, 0, LENGTH, chunk, base);
    if (version % 2 == 0) {
      fill(out, LENGTH / 4, LENGTH / 2, chunk, version);
    }
    return out;
  }

  private static void fill(byte[] out, int from, int to, int chunk, long version) {
    for (int i = from; i < to; i++) {
      out[i] = (byte) (i * 31 + chunk * 7 + version * 13);
    }
  }

  public static void main(String[] args) throws Exception {
    Path target = Path.of(args[0]);
    ChunkEngine engine =
        ChunkEngine.open(
            new FileDataStore(target.resolve("data"), 4),
            new RocksMetaStore(target.resolve("meta")),
            ChunkEngine.Config.DEFAULT);
    long[] versions = new long[CHUNKS];
    for (int c = 0; c < CHUNKS; c++) {
      ChunkMeta meta = engine.meta(ChunkId.of(1, c));
      versions[c] = meta == null ? 0 : meta.commitVersion();
    }
    for (long round = 0; ; round++) {
      int c = (int) (round % CHUNKS);
      long version = versions[c] + 1;
      byte[] bytes = content(c, version);
      ChunkEngine.Stamp stamp = new ChunkEngine.Stamp(version, 1, true, "crash", version);
      if (version % 2 == 1) {
        engine.write(ChunkId.of(1, c), 0, Unpooled.wrappedBuffer(bytes), 1 << 20, stamp);
      } else {
        engine.write(
            ChunkId.of(1, c),
            LENGTH / 4,
            Unpooled.wrappedBuffer(bytes, LENGTH / 4, LENGTH / 4),
            1 << 20,
            stamp);
      }
      versions[c] = version;
      System.out.println("ack " + c + " " + version);
      System.out.flush();
    }
  }
}
