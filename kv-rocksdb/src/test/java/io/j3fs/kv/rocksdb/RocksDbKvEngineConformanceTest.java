package io.j3fs.kv.rocksdb;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.conformance.KvEngineConformanceTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class RocksDbKvEngineConformanceTest extends KvEngineConformanceTest {
  @TempDir Path dir;

  @Override
  protected KvEngine openEmptyEngine() {
    return new RocksDbKvEngine(RocksDbKvConfig.at(dir.resolve("db")));
  }
}
