package io.j3fs.meta.service;

import io.j3fs.kv.ForwardingKvEngine;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.ReadBody;
import io.j3fs.kv.Transaction;
import io.j3fs.kv.TxBody;
import io.j3fs.kv.TxOptions;
import java.util.concurrent.CompletableFuture;

/**
 * The store as the inline mutations see it (operations run on the event loop that read their
 * request): a transaction runs once and commits without waiting for its WAL sync ({@link
 * KvEngine#runOnceDeferred}), a read runs once, and a retriable failure is thrown to the
 * dispatcher, which hands the request to the ordinary handler and its retries (nothing was
 * committed then). The durability of the commits one operation made is collected per thread, since
 * an event loop runs one inline operation at a time: {@link #startOperation()} before it, {@link
 * #takeDurable()} after it, and the answer goes out when that completes.
 */
public final class OneAttemptWrites extends ForwardingKvEngine {
  /**
   * Per thread: the durability of the commits made since {@link #startOperation()} (null: none).
   */
  private final ThreadLocal<CompletableFuture<Void>> durable = new ThreadLocal<>();

  public OneAttemptWrites(KvEngine store) {
    super(store);
  }

  /** Starts collecting this thread's commits for one operation. */
  void startOperation() {
    durable.remove();
  }

  /**
   * The durability of what this thread committed since {@link #startOperation()} (null: nothing).
   */
  CompletableFuture<Void> takeDurable() {
    CompletableFuture<Void> out = durable.get();
    durable.remove();
    return out;
  }

  @Override
  public Transaction begin() {
    throw new IllegalStateException("inline operations commit through run");
  }

  /** One attempt, committed without waiting for durability; {@code options} do not apply. */
  @Override
  public <T> T run(TxOptions options, TxBody<T> body) {
    Deferred<T> done = store.runOnceDeferred(body);
    CompletableFuture<Void> before = durable.get();
    durable.set(
        before == null || (before.isDone() && !before.isCompletedExceptionally())
            ? done.durable()
            : CompletableFuture.allOf(before, done.durable()));
    return done.value();
  }

  @Override
  public <T> T read(ReadBody<T> body) {
    return store.readOnce(body);
  }
}
