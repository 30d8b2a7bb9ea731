package io.j3fs.meta;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.memory.MemoryKvEngine;

class MemoryMetaConcurrencyTest extends MetaConcurrencyContract {
  @Override
  protected KvEngine openEngine() {
    return new MemoryKvEngine();
  }
}
