package io.j3fs.cli.server;

import java.util.concurrent.CountDownLatch;

/**
 * SIGTERM and SIGINT for a server command: {@link #await()} blocks the main thread until one
 * arrives; the JVM's shutdown hook then waits until the command calls {@link #closed()} after
 * closing its server, so the process exits only once state is written (targets closed cleanly, the
 * KV store flushed).
 */
final class ShutdownSignal implements AutoCloseable {
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);

  ShutdownSignal(String name) {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopped.countDown();
                  try {
                    closed.await();
                  } catch (InterruptedException ignored) {
                    // exiting anyway
                  }
                },
                name + "-stop"));
  }

  /** Blocks until the process is asked to stop. */
  void await() throws InterruptedException {
    stopped.await();
  }

  /** Waits up to {@code ms} for a stop request; returns whether one came. */
  boolean awaitFor(long ms) throws InterruptedException {
    return stopped.await(ms, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** The server is closed: let the process exit. */
  void closed() {
    closed.countDown();
  }

  @Override
  public void close() {
    closed();
  }
}
