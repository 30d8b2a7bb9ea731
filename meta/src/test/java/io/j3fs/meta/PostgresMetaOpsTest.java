package io.j3fs.meta;

import io.j3fs.kv.KvEngine;

/** The operations on PostgreSQL SERIALIZABLE, a server the test starts itself; a table per test. */
class PostgresMetaOpsTest extends MetaOpsContract {
  @Override
  protected KvEngine openEngine() {
    return PostgresEngines.open("meta");
  }

  @Override
  protected void closeEngine(KvEngine engine) {
    PostgresEngines.dropAndClose(engine);
  }
}
