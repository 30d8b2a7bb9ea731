package io.j3fs.meta;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.postgres.PostgresKvConfig;
import io.j3fs.kv.postgres.PostgresKvEngine;
import io.j3fs.testing.PostgresServer;
import java.util.concurrent.atomic.AtomicInteger;

/** The operations on PostgreSQL SERIALIZABLE, a server the test starts itself; a table per test. */
class PostgresMetaOpsTest extends MetaOpsContract {
  private static final AtomicInteger TABLES = new AtomicInteger();

  @Override
  protected KvEngine openEngine() {
    PostgresServer server = PostgresServer.shared();
    return new PostgresKvEngine(
        PostgresKvConfig.of(server.jdbcUrl(), server.user(), "")
            .withTable("meta_" + TABLES.incrementAndGet())
            .withMaxPoolSize(16));
  }

  @Override
  protected void closeEngine(KvEngine engine) {
    ((PostgresKvEngine) engine).dropTable();
    engine.close();
  }
}
