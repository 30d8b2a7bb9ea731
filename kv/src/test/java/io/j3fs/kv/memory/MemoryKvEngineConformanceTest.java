package io.j3fs.kv.memory;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.conformance.KvEngineConformanceTest;

class MemoryKvEngineConformanceTest extends KvEngineConformanceTest {
  @Override
  protected KvEngine openEmptyEngine() {
    return new MemoryKvEngine();
  }
}
