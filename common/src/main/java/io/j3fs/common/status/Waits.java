package io.j3fs.common.status;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for a task's result where failures travel as {@link StatusException}s. */
public final class Waits {
  private Waits() {}

  /**
   * The task's result. Its own failure is thrown as it was (an unchecked exception or error;
   * anything else as INTERNAL); an interrupted wait is CANCELLED, with the interrupt status kept.
   *
   * @param what what is waited for, for the messages ("removing chunks")
   */
  public static <T> T get(Future<T> task, String what) {
    try {
      return task.get();
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case RuntimeException r -> throw r;
        case Error err -> throw err;
        default ->
            throw new StatusException(
                StatusCode.INTERNAL, what + " failed: " + e.getCause(), e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, "interrupted " + what);
    }
  }
}
