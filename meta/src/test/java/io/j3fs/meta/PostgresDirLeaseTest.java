package io.j3fs.meta;

import io.j3fs.kv.KvEngine;

/**
 * Directory leases on PostgreSQL SERIALIZABLE, a server the test starts itself; a table per test.
 */
class PostgresDirLeaseTest extends DirLeaseContract {
  @Override
  protected KvEngine openEngine() {
    return PostgresEngines.open("lease");
  }

  @Override
  protected void closeEngine(KvEngine engine) {
    PostgresEngines.dropAndClose(engine);
  }
}
