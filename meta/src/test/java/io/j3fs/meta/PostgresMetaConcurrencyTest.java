package io.j3fs.meta;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.postgres.PostgresKvConfig;
import io.j3fs.kv.postgres.PostgresKvEngine;
import io.j3fs.testing.PostgresServer;
import java.util.concurrent.atomic.AtomicInteger;

class PostgresMetaConcurrencyTest extends MetaConcurrencyContract {
  private static final AtomicInteger TABLES = new AtomicInteger();

  @Override
  protected KvEngine openEngine() {
    PostgresServer server = PostgresServer.shared();
    return new PostgresKvEngine(
        PostgresKvConfig.of(server.jdbcUrl(), server.user(), "")
            .withTable("meta_race_" + TABLES.incrementAndGet())
            .withMaxPoolSize(16));
  }

  @Override
  protected void closeEngine(KvEngine engine) {
    ((PostgresKvEngine) engine).dropTable();
    engine.close();
  }

  @Override
  protected int randomOps() {
    return 600;
  }
}
