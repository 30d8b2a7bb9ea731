package io.j3fs.common.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A task's failure comes back as it was thrown; an interrupted wait is CANCELLED. */
class WaitsTest {
  @Test
  void resultsAndFailuresComeBackAsTheyWere() {
    assertThat(Waits.get(CompletableFuture.completedFuture(7), "seven")).isEqualTo(7);
    StatusException busy = new StatusException(StatusCode.BUSY, "busy");
    assertThatThrownBy(() -> Waits.get(CompletableFuture.failedFuture(busy), "x")).isSameAs(busy);
    AssertionError error = new AssertionError("broken");
    assertThatThrownBy(() -> Waits.get(CompletableFuture.failedFuture(error), "x")).isSameAs(error);
    assertThatThrownBy(
            () -> Waits.get(CompletableFuture.failedFuture(new IOException("disk")), "reading"))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
              assertThat(e.getMessage()).contains("reading").contains("disk");
            });
  }

  @Test
  void anInterruptedWaitIsCancelledAndKeepsTheInterrupt() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> Waits.get(new CompletableFuture<>(), "closing"))
          .isInstanceOfSatisfying(
              StatusException.class,
              e -> {
                assertThat(e.code()).isEqualTo(StatusCode.CANCELLED);
                assertThat(e.getMessage()).isEqualTo("interrupted closing");
              });
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
