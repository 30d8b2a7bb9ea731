package io.j3fs.kv.postgres;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.KeyValue;
import io.j3fs.testing.PostgresServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What is particular to the PostgreSQL engine: sharing one table, server failures, error mapping,
 * config checks.
 */
class PostgresKvEngineTest {
  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private static PostgresKvConfig config(String table) {
    PostgresServer server = PostgresServer.shared();
    return PostgresKvConfig.of(server.jdbcUrl(), server.user(), "")
        .withTable(table)
        .withMaxPoolSize(12);
  }

  /**
   * Two engines stand for two j3fs processes using one database: transfers through both conserve
   * the total.
   */
  @Test
  void twoEnginesOnOneTableStaySerializable() throws Exception {
    long seed = System.nanoTime();
    System.out.println("twoEnginesOnOneTableStaySerializable seed=" + seed);
    try (PostgresKvEngine first = new PostgresKvEngine(config("shared_table"));
        PostgresKvEngine second = new PostgresKvEngine(config("shared_table"))) {
      int accounts = 20;
      first.run(
          tx -> {
            for (int a = 0; a < accounts; a++) {
              tx.set(b("acct/" + a), b("100"));
            }
            return null;
          });
      byte[] seenBySecond = second.read(tx -> tx.get(b("acct/0")));
      assertThat(seenBySecond).isEqualTo(b("100"));
      AtomicInteger remaining = new AtomicInteger(2_000);
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
          PostgresKvEngine engine = t % 2 == 0 ? first : second;
          Random random = new Random(seed + t);
          futures.add(
              pool.submit(
                  () -> {
                    while (remaining.getAndDecrement() > 0) {
                      int from = random.nextInt(accounts);
                      int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                      engine.run(
                          tx -> {
                            int f = Integer.parseInt(new String(tx.get(b("acct/" + from)), UTF_8));
                            int g = Integer.parseInt(new String(tx.get(b("acct/" + to)), UTF_8));
                            tx.set(b("acct/" + from), b(Integer.toString(f - 1)));
                            tx.set(b("acct/" + to), b(Integer.toString(g + 1)));
                            return null;
                          });
                    }
                    return null;
                  }));
        }
        for (Future<?> future : futures) {
          future.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      List<KeyValue> all = second.read(tx -> tx.getRange(b("acct/"), b("acct0")).toList());
      long total =
          all.stream().mapToLong(kv -> Long.parseLong(new String(kv.value(), UTF_8))).sum();
      assertThat(total).as("seed %d", seed).isEqualTo(accounts * 100L);
      first.dropTable();
    }
  }

  /**
   * Every transaction starts on a clean connection, including connections the pool has just opened.
   */
  @Test
  void freshConnectionsStartCleanForBothKindsOfTransaction() throws Exception {
    try (PostgresKvEngine engine = new PostgresKvEngine(config("fresh_connections"))) {
      engine.run(
          tx -> {
            tx.set(b("k"), b("v"));
            return null;
          });
      List<io.j3fs.kv.ReadTransaction> open = new ArrayList<>();
      try {
        for (int i = 0; i < 10; i++) {
          io.j3fs.kv.ReadTransaction tx = i % 2 == 0 ? engine.beginRead() : engine.begin();
          open.add(tx);
          assertThat(tx.get(b("k"))).isEqualTo(b("v"));
        }
      } finally {
        open.forEach(io.j3fs.kv.ReadTransaction::close);
      }
      // Reusing the same connections, now as the other kind of transaction.
      for (int i = 0; i < 10; i++) {
        try (io.j3fs.kv.ReadTransaction tx = i % 2 == 1 ? engine.beginRead() : engine.begin()) {
          assertThat(tx.get(b("k"))).isEqualTo(b("v"));
        }
      }
      engine.dropTable();
    }
  }

  @Test
  void anUnreachableServerIsAClearRetriableError() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort(); // closed again: nothing listens there
    }
    PostgresKvConfig config =
        new PostgresKvConfig(
            "jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=1",
            "postgres",
            "",
            "t",
            2,
            500);
    long start = System.nanoTime();
    try (PostgresKvEngine engine = new PostgresKvEngine(config)) {
      throw new AssertionError("opened an engine on a closed port: " + engine.name());
    } catch (StatusException e) {
      assertThat(e.retriable()).as("code %s", e.code()).isTrue();
      assertThat(e.getMessage()).contains("create table");
    }
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(30);
  }

  @Test
  void sqlStatesMapToStatusCodes() {
    assertThat(map("40001", false)).isEqualTo(StatusCode.TRANSACTION_CONFLICT);
    assertThat(map("40P01", false)).isEqualTo(StatusCode.TRANSACTION_CONFLICT);
    assertThat(map("23505", false)).isEqualTo(StatusCode.TRANSACTION_CONFLICT);
    assertThat(map("08006", false)).isEqualTo(StatusCode.UNAVAILABLE);
    assertThat(map("08006", true)).isEqualTo(StatusCode.COMMIT_UNKNOWN);
    assertThat(map(null, true)).isEqualTo(StatusCode.COMMIT_UNKNOWN);
    assertThat(map("57P01", false)).isEqualTo(StatusCode.UNAVAILABLE);
    assertThat(map("53100", false)).isEqualTo(StatusCode.NO_SPACE);
    assertThat(map("53300", false)).isEqualTo(StatusCode.BUSY);
    assertThat(map("42P01", false)).isEqualTo(StatusCode.INTERNAL);
    assertThat(
            SqlErrors.map("x", new SQLTransientConnectionException("pool timeout", "08001"), false)
                .code())
        .isEqualTo(StatusCode.BUSY);
    StatusException mapped =
        SqlErrors.map("read failed", new SQLException("ERROR: boom\n  Detail: x", "42P01"), false);
    assertThat(mapped.getMessage()).isEqualTo("read failed: postgres 42P01: ERROR: boom");
  }

  private static StatusCode map(String state, boolean commitSent) {
    return SqlErrors.map("op", new SQLException("message", state), commitSent).code();
  }

  @Test
  void badConfigurationIsRejectedWithTheKeyNamed() {
    assertThatThrownBy(() -> new PostgresKvConfig("jdbc:mysql://x", "u", "", "t", 4, 1000))
        .hasMessageContaining("jdbcUrl");
    assertThatThrownBy(
            () -> new PostgresKvConfig("jdbc:postgresql://x/db", "u", "", "drop table;", 4, 1000))
        .hasMessageContaining("table");
    assertThatThrownBy(() -> new PostgresKvConfig("jdbc:postgresql://x/db", "u", "", "t", 1, 1000))
        .hasMessageContaining("maxPoolSize");
  }
}
