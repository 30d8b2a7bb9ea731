package io.j3fs.kv;

/**
 * An engine that forwards every call to another: the base of views of a store that change a few of
 * its calls (what an event loop may do with it, say). Closing a view closes nothing: the store
 * belongs to whoever opened it.
 */
public abstract class ForwardingKvEngine implements KvEngine {
  protected final KvEngine store;

  protected ForwardingKvEngine(KvEngine store) {
    this.store = store;
  }

  @Override
  public String name() {
    return store.name();
  }

  @Override
  public IsolationModel isolationModel() {
    return store.isolationModel();
  }

  @Override
  public Transaction begin() {
    return store.begin();
  }

  @Override
  public ReadTransaction beginRead() {
    return store.beginRead();
  }

  @Override
  public <T> T run(TxOptions options, TxBody<T> body) {
    return store.run(options, body);
  }

  @Override
  public <T> T read(ReadBody<T> body) {
    return store.read(body);
  }

  @Override
  public <T> T readOnce(ReadBody<T> body) {
    return store.readOnce(body);
  }

  @Override
  public <T> Deferred<T> runOnceDeferred(TxBody<T> body) {
    return store.runOnceDeferred(body);
  }

  @Override
  public boolean localReads() {
    return store.localReads();
  }

  /** Closes nothing: the store belongs to whoever opened it. */
  @Override
  public void close() {}
}
