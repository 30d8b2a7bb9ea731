package io.j3fs.meta.service;

import io.j3fs.kv.ForwardingKvEngine;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.ReadBody;
import io.j3fs.kv.Transaction;
import io.j3fs.kv.TxBody;
import io.j3fs.kv.TxOptions;

/**
 * The store as the inline handlers see it: a read runs once, and a retriable failure (a conflict
 * window, a store briefly unavailable) goes back to the dispatcher, which then hands the request to
 * the ordinary handler and its retries with backoff, so an event loop never sleeps in a retry.
 * Writes are refused: only read-only operations run inline.
 */
public final class OneAttemptReads extends ForwardingKvEngine {
  public OneAttemptReads(KvEngine store) {
    super(store);
  }

  @Override
  public Transaction begin() {
    throw new IllegalStateException("inline operations are read-only");
  }

  @Override
  public <T> T run(TxOptions options, TxBody<T> body) {
    throw new IllegalStateException("inline operations are read-only");
  }

  @Override
  public <T> Deferred<T> runOnceDeferred(TxBody<T> body) {
    throw new IllegalStateException("inline operations are read-only");
  }

  @Override
  public <T> T read(ReadBody<T> body) {
    return store.readOnce(body);
  }
}
