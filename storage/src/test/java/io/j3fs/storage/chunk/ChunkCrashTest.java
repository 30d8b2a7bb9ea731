package io.j3fs.storage.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.id.ChunkId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills (SIGKILL) a JVM rewriting chunks, reopens the target, and checks every chunk: its data
 * matches its checksums, it is exactly the content of its stored version (never a mix of two), and
 * that version is at least the last one the child acknowledged.
 */
class ChunkCrashTest {
  @TempDir Path dir;

  @Test
  void aKilledWriterLeavesEveryChunkAtAnIntactVersion() throws Exception {
    Path target = dir.resolve("target");
    for (int round = 0; round < 3; round++) {
      long[] acked = runAndKill(target, 200 + 300 * round);
      try (ChunkEngine engine =
          ChunkEngine.open(
              new FileDataStore(target.resolve("data"), 4),
              new RocksMetaStore(target.resolve("meta")),
              ChunkEngine.Config.DEFAULT)) {
        assertThat(engine.openedClean()).isFalse();
        for (int c = 0; c < ChunkCrashWorkload.CHUNKS; c++) {
          ChunkId id = ChunkId.of(1, c);
          ChunkMeta meta = engine.meta(id);
          assertThat(meta).as("round %d chunk %d", round, c).isNotNull();
          assertThat(meta.commitVersion()).isGreaterThanOrEqualTo(acked[c]);
          assertThat(engine.verify(id)).as("round %d chunk %d checksums", round, c).isTrue();
          ChunkEngine.Read read = engine.read(id, 0, 1 << 20, false);
          byte[] bytes = new byte[read.bytes().readableBytes()];
          read.bytes().readBytes(bytes);
          read.bytes().release();
          assertThat(bytes)
              .as("round %d chunk %d content of version %d", round, c, meta.commitVersion())
              .isEqualTo(ChunkCrashWorkload.content(c, meta.commitVersion()));
        }
        // No slot is used twice: every chunk's slot is distinct within its class.
        assertThat(
                engine.list(null, 100).stream()
                    .map(m -> m.sizeClass() + ":" + m.slot())
                    .distinct()
                    .count())
            .isEqualTo(ChunkCrashWorkload.CHUNKS);
      }
    }
  }

  private long[] runAndKill(Path target, int extraAcks) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path output = Files.createTempFile(dir, "child", ".out");
    Process child =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                ChunkCrashWorkload.class.getName(),
                target.toString())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && child.isAlive()) {
        if (Files.readAllLines(output).size() >= extraAcks) {
          break;
        }
        Thread.sleep(5);
      }
      assertThat(child.isAlive()).as("child output: %s", Files.readString(output)).isTrue();
    } finally {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
    long[] acked = new long[ChunkCrashWorkload.CHUNKS];
    List<String> lines = Files.readAllLines(output);
    for (String line : lines) {
      String[] fields = line.split(" ");
      if (fields.length == 3 && fields[0].equals("ack")) {
        acked[Integer.parseInt(fields[1])] = Long.parseLong(fields[2]);
      }
    }
    return acked;
  }
}
