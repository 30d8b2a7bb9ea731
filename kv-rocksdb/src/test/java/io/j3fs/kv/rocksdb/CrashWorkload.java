package io.j3fs.kv.rocksdb;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;

/**
 * Runs in a child JVM for {@link RocksDbCrashTest}: commits numbered transactions forever and
 * prints "ACK n" after each commit returns. Each transaction writes its own key and moves the
 * counter, so the parent can check both that every acknowledged commit is there and that no commit
 * is half there.
 */
public final class CrashWorkload {
  private CrashWorkload() {}

  public static void main(String[] args) {
    Path path = Path.of(args[0]);
    RocksDbKvConfig.Durability durability = RocksDbKvConfig.Durability.valueOf(args[1]);
    RocksDbKvEngine engine =
        new RocksDbKvEngine(RocksDbKvConfig.at(path).withDurability(durability));
    System.out.println("READY");
    System.out.flush();
    // Continue after what an earlier (killed) run committed.
    long start =
        engine.read(
            tx -> {
              byte[] counter = tx.get("counter".getBytes(UTF_8));
              return counter == null ? 0L : Long.parseLong(new String(counter, UTF_8));
            });
    for (long n = start + 1; ; n++) {
      long number = n;
      engine.run(
          tx -> {
            byte[] counter = tx.get("counter".getBytes(UTF_8));
            long previous = counter == null ? 0 : Long.parseLong(new String(counter, UTF_8));
            if (previous != number - 1) {
              throw new IllegalStateException("counter " + previous + " before commit " + number);
            }
            tx.set(
                String.format("commit/%012d", number).getBytes(UTF_8),
                ("payload-" + number).getBytes(UTF_8));
            tx.set("counter".getBytes(UTF_8), Long.toString(number).getBytes(UTF_8));
            return null;
          });
      System.out.println("ACK " + n);
      System.out.flush();
    }
  }
}
