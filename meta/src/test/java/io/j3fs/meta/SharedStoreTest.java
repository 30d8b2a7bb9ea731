package io.j3fs.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.kv.postgres.PostgresKvConfig;
import io.j3fs.kv.postgres.PostgresKvEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two metadata instances, each with its own engine (connection pool) and inode allocator, on one
 * PostgreSQL table, as two {@code j3fs meta} processes would be: creates from both into one
 * directory all land with distinct inode ids, and each sees the other's work.
 */
class SharedStoreTest {
  @Test
  void twoInstancesShareOneNamespace() throws Exception {
    PostgresKvConfig config = PostgresEngines.freshTable("meta_shared");
    try (PostgresKvEngine one = new PostgresKvEngine(config);
        PostgresKvEngine two = new PostgresKvEngine(config)) {
      MetaFixture a = new MetaFixture(one);
      MetaFixture b = new MetaFixture(two);
      a.mkdir("/shared");
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          MetaFixture m = t % 2 == 0 ? a : b;
          int thread = t;
          futures.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 25; i++) {
                      m.touch("/shared/t" + thread + "-" + i);
                    }
                    return null;
                  }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      }
      assertThat(b.ls("/shared")).hasSize(200);
      Set<Long> ids = new HashSet<>();
      for (String name : a.ls("/shared")) {
        ids.add(a.stat("/shared/" + name).getId());
      }
      assertThat(ids).hasSize(200);
      b.mv("/shared/t0-0", "/moved");
      assertThat(a.stat("/moved").getId()).isEqualTo(b.stat("/moved").getId());
      assertThat(a.problems()).isEmpty();
      one.dropTable();
    }
  }
}
