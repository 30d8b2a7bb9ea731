package io.j3fs.mgmtd.service;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.rocksdb.RocksDbKvConfig;
import io.j3fs.kv.rocksdb.RocksDbKvEngine;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Three mgmtd instances in one process sharing one RocksDB store. */
class RocksDbMgmtdClusterTest extends MgmtdClusterTest {
  @TempDir Path dir;

  @Override
  protected KvEngine openEngine() {
    return new RocksDbKvEngine(RocksDbKvConfig.at(dir.resolve("mgmtd")));
  }
}
