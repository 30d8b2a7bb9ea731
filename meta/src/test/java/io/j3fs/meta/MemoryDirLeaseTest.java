package io.j3fs.meta;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.memory.MemoryKvEngine;

class MemoryDirLeaseTest extends DirLeaseContract {
  @Override
  protected KvEngine openEngine() {
    return new MemoryKvEngine();
  }
}
