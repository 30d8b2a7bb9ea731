package io.j3fs.kv;

/**
 * The body of a read-only transaction run by {@link KvEngine#read}; it may be called more than
 * once.
 */
@FunctionalInterface
public interface ReadBody<T> {
  T apply(ReadTransaction tx);
}
