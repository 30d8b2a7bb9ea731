package io.j3fs.mgmtd.service;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.memory.MemoryKvEngine;

class MemoryMgmtdClusterTest extends MgmtdClusterTest {
  @Override
  protected KvEngine openEngine() {
    return new MemoryKvEngine();
  }
}
