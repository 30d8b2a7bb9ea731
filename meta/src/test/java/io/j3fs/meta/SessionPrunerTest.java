package io.j3fs.meta;

import static io.j3fs.meta.MetaFixture.ROOT;
import static io.j3fs.meta.MetaFixture.path;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.meta.gc.SessionPruner;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.RequestId;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Write sessions of clients mgmtd no longer lists end; those of live clients stay. */
class SessionPrunerTest {
  @Test
  void sessionsOfGoneClientsEndAndTheirRemovedFilesAreCollected() {
    MetaFixture m = new MetaFixture(new MemoryKvEngine());
    CreateRsp live = open(m, "alive", "/a");
    CreateRsp gone = open(m, "gone", "/b");
    open(m, "gone", "/c");
    m.storage.written(live.getInode().getId(), 10); // written, never reported
    m.storage.written(gone.getInode().getId(), 10);
    m.rm("/a");
    m.rm("/b");
    SessionPruner pruner = new SessionPruner(m.ctx, () -> Set.of("alive"));
    assertThat(pruner.runOnce()).isEqualTo(2);
    assertThat(pruner.runOnce()).isZero();
    m.gc.drain();
    assertThat(m.storage.removals).containsOnlyKeys(gone.getInode().getId());
    assertThat(m.storage.removals).doesNotContainKey(live.getInode().getId());
    assertThat(m.problems()).isEmpty();
  }

  private static CreateRsp open(MetaFixture m, String client, String file) {
    return m.create.run(
        CreateReq.newBuilder()
            .setUser(ROOT)
            .setRequest(RequestId.newBuilder().setClientId(client).setRequestId(file.hashCode()))
            .setPath(path(file))
            .setMode(0644)
            .setFlags(0100 | 01)
            .build());
  }
}
