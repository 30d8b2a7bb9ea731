package io.j3fs.meta;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.rocksdb.RocksDbKvConfig;
import io.j3fs.kv.rocksdb.RocksDbKvEngine;
import io.j3fs.meta.service.OneAttemptWrites;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory leases as the inline handlers run them: through {@link OneAttemptWrites} on RocksDB,
 * one attempt per transaction, committed without waiting for the WAL sync. The answers and the
 * namespace must be exactly those of the ordinary path.
 */
class RocksDbInlineDirLeaseTest extends DirLeaseContract {
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
