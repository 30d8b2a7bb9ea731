package io.j3fs.meta;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.rocksdb.RocksDbKvConfig;
import io.j3fs.kv.rocksdb.RocksDbKvEngine;
import io.j3fs.meta.service.OneAttemptWrites;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every operation as the inline handlers run it: through {@link OneAttemptWrites} on RocksDB, one
 * attempt per transaction, committed without waiting for the WAL sync. The answers and the
 * namespace must be exactly those of the ordinary path.
 */
class RocksDbInlineMetaOpsTest extends MetaOpsContract {
  @TempDir Path dir;
  private RocksDbKvEngine store;

  @Override
  protected KvEngine openEngine() {
    store = new RocksDbKvEngine(RocksDbKvConfig.at(dir.resolve("db")));
    return new OneAttemptWrites(store);
  }

  @Override
  protected void closeEngine(KvEngine engine) {
    store.close();
  }
}
