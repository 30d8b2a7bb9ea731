package io.j3fs.kv.conformance;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.IsolationModel;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.RangeIterator;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.kv.spi.AbstractKvEngine;
import io.j3fs.kv.spi.SystemKeyWriter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps an engine so that every other commit loses its outcome: the commit either lands or not (as
 * {@link Fault} says) and the caller is told {@code COMMIT_UNKNOWN} either way. Tests the retry
 * loop's outcome records on top of a real engine.
 */
final class FaultyCommitEngine extends AbstractKvEngine {
  enum Fault {
    /** The commit was applied, then the answer was lost. */
    LOST_AFTER_COMMIT,
    /** The commit never reached the store. */
    LOST_BEFORE_COMMIT
  }

  private final KvEngine inner;
  private final Fault fault;
  private final AtomicInteger commits = new AtomicInteger();
  private final AtomicInteger injected = new AtomicInteger();

  FaultyCommitEngine(KvEngine inner, Fault fault) {
    super(Clock.system());
    this.inner = inner;
    this.fault = fault;
  }

  int injected() {
    return injected.get();
  }

  @Override
  protected boolean mayLoseCommitOutcome() {
    return true;
  }

  @Override
  public String name() {
    return "faulty-" + inner.name();
  }

  @Override
  public IsolationModel isolationModel() {
    return inner.isolationModel();
  }

  @Override
  public Transaction begin() {
    return new FaultyTransaction(inner.begin());
  }

  @Override
  public ReadTransaction beginRead() {
    return inner.beginRead();
  }

  @Override
  public void close() {}

  private final class FaultyTransaction implements Transaction, SystemKeyWriter {
    private final Transaction tx;

    FaultyTransaction(Transaction tx) {
      this.tx = tx;
    }

    @Override
    public void commit() {
      if (commits.incrementAndGet() % 2 == 1) {
        injected.incrementAndGet();
        if (fault == Fault.LOST_AFTER_COMMIT) {
          tx.commit();
        } else {
          tx.close();
        }
        throw new StatusException(
            StatusCode.COMMIT_UNKNOWN, "injected: commit answer lost (" + fault + ")");
      }
      tx.commit();
    }

    @Override
    public byte[] get(byte[] key) {
      return tx.get(key);
    }

    @Override
    public RangeIterator getRange(byte[] begin, byte[] end, int limit, boolean reverse) {
      return tx.getRange(begin, end, limit, reverse);
    }

    @Override
    public ReadTransaction snapshot() {
      return tx.snapshot();
    }

    @Override
    public void set(byte[] key, byte[] value) {
      tx.set(key, value);
    }

    @Override
    public void clear(byte[] key) {
      tx.clear(key);
    }

    @Override
    public void clearRange(byte[] begin, byte[] end) {
      tx.clearRange(begin, end);
    }

    @Override
    public void addReadConflictKey(byte[] key) {
      tx.addReadConflictKey(key);
    }

    @Override
    public void addReadConflictRange(byte[] begin, byte[] end) {
      tx.addReadConflictRange(begin, end);
    }

    @Override
    public void insertSystemKey(byte[] key, byte[] value) {
      ((SystemKeyWriter) tx).insertSystemKey(key, value);
    }

    @Override
    public void clearSystemRange(byte[] begin, byte[] end) {
      ((SystemKeyWriter) tx).clearSystemRange(begin, end);
    }

    @Override
    public void close() {
      tx.close();
    }
  }
}
