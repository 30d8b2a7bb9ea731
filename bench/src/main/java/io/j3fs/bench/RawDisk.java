package io.j3fs.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** The raw-disk baselines the benchmarks put beside their rows, measured in the same run. */
public final class RawDisk {
  public static final int RANDOM_BYTES = 4096;

  private RawDisk() {}

  /** Bytes/s of a plain FileChannel writing {@code blocks} blocks and forcing once. */
  public static double write(Path file, int blockBytes, int blocks) throws IOException {
    ByteBuffer data = ByteBuffer.allocateDirect(blockBytes);
    byte[] bytes = new byte[blockBytes];
    ThreadLocalRandom.current().nextBytes(bytes);
    data.put(bytes).flip();
    long start = System.nanoTime();
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      for (int i = 0; i < blocks; i++) {
        ByteBuffer b = data.duplicate();
        while (b.hasRemaining()) {
          channel.write(b);
        }
      }
      channel.force(false);
    }
    return (double) blocks * blockBytes / ((System.nanoTime() - start) / 1e9);
  }

  /** Bytes/s of a plain FileChannel reading the whole file in blocks. */
  public static double read(Path file, int blockBytes) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(blockBytes);
    long total = 0;
    long start = System.nanoTime();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      while (true) {
        buf.clear();
        int n = channel.read(buf);
        if (n < 0) {
          break;
        }
        total += n;
      }
    }
    return total / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * Reads/s of {@code queueDepth} platform threads (blocking file I/O pins a virtual thread's
   * carrier, so these are real threads) doing O_DIRECT 4 KiB preads at random aligned offsets for
   * {@code seconds}: the disk's random-read rate at that queue depth.
   */
  public static double randomDirect(Path file, long size, int queueDepth, double seconds)
      throws Exception {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    OpenOption direct =
        (OpenOption)
            Class.forName("com.sun.nio.file.ExtendedOpenOption").getField("DIRECT").get(null);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, direct);
        ExecutorService pool = Executors.newFixedThreadPool(queueDepth)) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < queueDepth; w++) {
        workers.add(
            pool.submit(
                () -> {
                  ByteBuffer buf =
                      ByteBuffer.allocateDirect(2 * RANDOM_BYTES).alignedSlice(RANDOM_BYTES);
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  while (System.nanoTime() < end) {
                    buf.clear().limit(RANDOM_BYTES);
                    channel.read(buf, random.nextLong(size / RANDOM_BYTES) * RANDOM_BYTES);
                    done.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    }
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  /** Drops the page cache (root only); false if not allowed. */
  public static boolean dropCaches() {
    try {
      new ProcessBuilder("sync").start().waitFor();
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
      return true;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
