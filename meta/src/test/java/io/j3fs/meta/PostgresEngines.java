package io.j3fs.meta;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.postgres.PostgresKvConfig;
import io.j3fs.kv.postgres.PostgresKvEngine;
import io.j3fs.testing.PostgresServer;
import java.util.concurrent.atomic.AtomicInteger;

/** Fresh PostgreSQL-backed engines on the shared test server, a table each, dropped after. */
final class PostgresEngines {
  private static final AtomicInteger TABLES = new AtomicInteger();

  private PostgresEngines() {}

  static PostgresKvConfig freshTable(String prefix) {
    PostgresServer server = PostgresServer.shared();
    return PostgresKvConfig.of(server.jdbcUrl(), server.user(), "")
        .withTable(prefix + "_" + TABLES.incrementAndGet() + "_" + ProcessHandle.current().pid())
        .withMaxPoolSize(16);
  }

  static KvEngine open(String prefix) {
    return new PostgresKvEngine(freshTable(prefix));
  }

  static void dropAndClose(KvEngine engine) {
    ((PostgresKvEngine) engine).dropTable();
    engine.close();
  }
}
