package io.j3fs.kv.postgres;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.conformance.KvEngineConformanceTest;
import io.j3fs.testing.PostgresServer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The conformance suite against a real PostgreSQL server that the test starts itself; a fresh table
 * per test.
 */
class PostgresKvEngineConformanceTest extends KvEngineConformanceTest {
  private static final AtomicInteger TABLES = new AtomicInteger();

  @Override
  protected KvEngine openEmptyEngine() {
    PostgresServer server = PostgresServer.shared();
    PostgresKvConfig config =
        PostgresKvConfig.of(server.jdbcUrl(), server.user(), "")
            .withTable("conformance_" + TABLES.incrementAndGet())
            .withMaxPoolSize(24);
    return new PostgresKvEngine(config);
  }

  @Override
  protected void closeEngine(KvEngine engine) {
    ((PostgresKvEngine) engine).dropTable();
    engine.close();
  }
}
