package io.j3fs.meta;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.rocksdb.RocksDbKvConfig;
import io.j3fs.kv.rocksdb.RocksDbKvEngine;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class RocksDbDirLeaseTest extends DirLeaseContract {
  @TempDir Path dir;

  @Override
  protected KvEngine openEngine() {
    return new RocksDbKvEngine(RocksDbKvConfig.at(dir.resolve("db")));
  }
}
