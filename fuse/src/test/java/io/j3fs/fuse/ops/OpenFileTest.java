package io.j3fs.fuse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.client.file.FileIo;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.Layout;
import java.lang.foreign.Arena;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/**
 * A handle's failed sends are reported once, by the flush that sent them or by the first flush
 * after a background send failed, and the mount's send budget comes back either way.
 */
class OpenFileTest {
  private static final int BUFFER = 1 << 16;

  @Test
  void aFailedSendIsReportedOnceWhetherTheFlushOrABackgroundSendMadeIt() {
    FileIo failing = new FileIo(null); // no storage: every chunk write fails
    Inode inode =
        Inode.newBuilder()
            .setId(7)
            .setLayout(Layout.newBuilder().setChunkSize(1 << 20).addChains(1))
            .build();
    Semaphore budget = new Semaphore(64);
    try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
        Arena arena = Arena.ofConfined()) {
      OpenFile file =
          new OpenFile(
              1,
              new OpenInode(7, 0),
              inode,
              "s",
              OpenFile.O_WRONLY,
              failing,
              writers,
              BUFFER,
              budget);
      file.write(0, arena.allocate(4096));
      assertThat(file.quiet()).isFalse();
      assertThatThrownBy(file::flush)
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL));
      file.flush(); // reported once
      assertThat(budget.availablePermits()).isEqualTo(64);

      file.write(4096, arena.allocate(BUFFER)); // a full buffer: sent in the background
      assertThatThrownBy(file::flush)
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL));
      file.flush();
      assertThat(budget.availablePermits()).isEqualTo(64);
      file.discard();
    }
  }
}
