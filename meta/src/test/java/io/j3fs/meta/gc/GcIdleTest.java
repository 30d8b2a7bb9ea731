package io.j3fs.meta.gc;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.time.ManualClock;
import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.meta.MetaFixture;
import io.j3fs.meta.MetaSettings;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.LengthHint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An idle GC (its queue found empty) leaves the queue alone until this instance removes something
 * or {@link GcWorker#IDLE_RESCAN_MS} passes, and a queue that still holds records (files open) is
 * never idle.
 */
class GcIdleTest {
  private final ManualClock clock = new ManualClock();
  private final MemoryKvEngine kv = new MemoryKvEngine();
  private final MetaFixture m = new MetaFixture(kv, MetaSettings.DEFAULT, clock);

  /** Another metadata instance on the same store: its removals raise its own hint only. */
  private final MetaFixture other = new MetaFixture(kv, MetaSettings.DEFAULT, clock);

  @AfterEach
  void close() {
    kv.close();
  }

  private boolean exists(Inode inode) {
    return kv.read(tx -> MetaStore.inode(tx, inode.getId())) != null;
  }

  @Test
  void anIdleGcWakesForItsOwnRemovalsAndRescansForOthers() {
    Inode a = m.wrote(m.touch("/a"), 10); // a byte held: the GC's work
    m.rm("/a");
    assertThat(m.gc.runFor(64, 60_000)).as("this instance's removal").isEqualTo(1);
    assertThat(exists(a)).isFalse();
    assertThat(m.gc.runFor(64, 60_000)).isZero();
    assertThat(m.gc.idle()).as("the queue was found empty").isTrue();

    Inode b = other.wrote(other.touch("/b"), 10);
    other.rm("/b");
    clock.advanceMillis(GcWorker.IDLE_RESCAN_MS - 1);
    assertThat(m.gc.runFor(64, 60_000)).as("idle: the queue is not read").isZero();
    assertThat(exists(b)).isTrue();
    clock.advanceMillis(1);
    assertThat(m.gc.runFor(64, 60_000)).as("the idle rescan finds it").isEqualTo(1);
    assertThat(exists(b)).isFalse();

    assertThat(m.gc.runFor(64, 60_000)).isZero();
    assertThat(m.gc.idle()).isTrue();
    Inode c = m.wrote(m.touch("/c"), 10);
    m.mv(MetaFixture.ROOT, "/c", "/d", 0);
    Inode e = m.wrote(m.touch("/e"), 10);
    m.mv(MetaFixture.ROOT, "/e", "/d", 0); // replaces /d: c's inode is queued
    assertThat(m.gc.runFor(64, 60_000)).as("a rename over a name wakes it").isEqualTo(1);
    assertThat(exists(c)).isFalse();
    assertThat(exists(e)).isTrue();

    assertThat(m.gc.runFor(64, 60_000)).isZero();
    assertThat(m.gc.idle()).isTrue();
    m.rm("/d");
    assertThat(m.gc.runFor(64, 60_000)).as("a removal here wakes it").isEqualTo(1);
    assertThat(exists(e)).isFalse();
  }

  @Test
  void aQueueHoldingAnOpenFileIsNotIdle() {
    CreateRsp open = m.create(MetaFixture.ROOT, "/open", 0644, 0100 | 01); // O_CREAT|O_WRONLY
    m.rm("/open");
    assertThat(m.gc.runFor(64, 60_000)).as("still open: kept").isZero();
    assertThat(m.gc.idle()).isFalse();
    m.close.run(
        CloseReq.newBuilder()
            .setUser(MetaFixture.ROOT)
            .setRequest(m.request())
            .setInodeId(open.getInode().getId())
            .setSessionId(open.getSessionId())
            .setLengthHint(LengthHint.newBuilder().setLength(0).setExact(true))
            .build());
    assertThat(m.gc.runFor(64, 60_000)).as("collected once closed, no rescan wait").isEqualTo(1);
    assertThat(exists(open.getInode())).isFalse();
  }
}
