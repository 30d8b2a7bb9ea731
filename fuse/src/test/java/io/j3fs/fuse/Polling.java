package io.j3fs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BooleanSupplier;

/** Waiting in tests for what other threads do. */
public final class Polling {
  private Polling() {}

  /** Polls {@code done} every millisecond; fails when it is not true within 10 s. */
  public static void await(BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime() < deadline).as("condition within 10 s").isTrue();
      Thread.sleep(1);
    }
  }
}
