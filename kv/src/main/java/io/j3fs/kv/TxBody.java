package io.j3fs.kv;

/**
 * The body of a read-write transaction run by {@link KvEngine#run}; it may be called more than
 * once.
 */
@FunctionalInterface
public interface TxBody<T> {
  T apply(Transaction tx);
}
