package io.j3fs.kv;

/**
 * How an engine decides that a transaction conflicts. Both models give serializable histories; they
 * differ in which harmless interleavings they also reject. Code above the KV layer must rely only
 * on serializability.
 */
public enum IsolationModel {
  /**
   * FoundationDB's rule: a transaction fails to commit if any key or range it read (without
   * snapshot) was written by a transaction that committed after this one's read version. Memory and
   * RocksDB engines.
   */
  OPTIMISTIC_READ_VALIDATION,

  /**
   * PostgreSQL's serializable snapshot isolation: a transaction fails only when committing it would
   * close a cycle of read-write dependencies. A transaction whose read was overwritten may still
   * commit when it can be ordered before the writer. It may also fail spuriously (predicate locks
   * are coarse). The PostgreSQL engine.
   */
  SERIALIZABLE_SNAPSHOT_ISOLATION
}
