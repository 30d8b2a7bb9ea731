package io.j3fs.mgmtd.lease;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.memory.MemoryKvEngine;

class MemoryLeaseElectionTest extends LeaseElectionContractTest {
  @Override
  protected KvEngine openEngine() {
    return new MemoryKvEngine();
  }
}
