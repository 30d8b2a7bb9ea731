package io.j3fs.meta;

import io.j3fs.kv.KvEngine;

class PostgresMetaConcurrencyTest extends MetaConcurrencyContract {
  @Override
  protected KvEngine openEngine() {
    return PostgresEngines.open("meta_race");
  }

  @Override
  protected void closeEngine(KvEngine engine) {
    PostgresEngines.dropAndClose(engine);
  }

  @Override
  protected int randomOps() {
    return 600;
  }
}
