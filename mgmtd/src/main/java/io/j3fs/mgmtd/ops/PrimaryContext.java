package io.j3fs.mgmtd.ops;

import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.TxBody;
import io.j3fs.mgmtd.cluster.ClusterView;
import io.j3fs.mgmtd.lease.LeaseElection;

/**
 * What an operation sees while it runs on the primary: the cluster view, the clock, the KV store
 * for reads, and durable writes fenced by the lease (the lease check and the write are one
 * transaction, so a deposed primary can never write).
 *
 * <p>Valid only for the duration of one {@link MgmtdOp#run} call, on the caller's thread, under the
 * server lock. Invariant kept by every op: a change to the view that bumps the routing version is
 * written (with {@link #storeRoutingVersion}) before the view is changed, so no client ever sees a
 * version a later primary could hand out again.
 */
public final class PrimaryContext {
  /** The limits and timeouts operations apply. */
  public record Limits(long clientSessionTimeoutMs, int maxSessionsRemoved, int maxConfigChars) {}

  private final ClusterView view;
  private final Clock clock;
  private final KvEngine kv;
  private final LeaseElection election;
  private final long epoch;
  private final Limits limits;
  private boolean writeFailed;

  public PrimaryContext(
      ClusterView view,
      Clock clock,
      KvEngine kv,
      LeaseElection election,
      long epoch,
      Limits limits) {
    this.view = view;
    this.clock = clock;
    this.kv = kv;
    this.election = election;
    this.epoch = epoch;
    this.limits = limits;
  }

  public ClusterView view() {
    return view;
  }

  public long nowMs() {
    return clock.wallMillis();
  }

  public KvEngine kv() {
    return kv;
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Runs {@code body} in one transaction that first checks this primary's lease. If it fails the
   * server steps down after the operation ({@link #writeFailed()}): the view may hold a change that
   * was never stored, and a primary must never publish one; the next tick restores from the store.
   */
  public <T> T write(TxBody<T> body) {
    try {
      return election.writeAsPrimary(epoch, body);
    } catch (RuntimeException e) {
      writeFailed = true;
      throw e;
    }
  }

  /** Whether a {@link #write} failed during this operation. */
  public boolean writeFailed() {
    return writeFailed;
  }

  /** Within a {@link #write}: raises the stored routing version to {@code version}. */
  public static void storeRoutingVersion(io.j3fs.kv.Transaction tx, long version) {
    LeaseElection.storeRoutingVersion(tx, version);
  }
}
