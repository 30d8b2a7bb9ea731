package io.j3fs.mgmtd.service;

import com.google.protobuf.Message;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.mgmtd.cluster.ClusterView;
import io.j3fs.mgmtd.lease.LeaseElection;
import io.j3fs.mgmtd.ops.ChainUpdates;
import io.j3fs.mgmtd.ops.MgmtdOp;
import io.j3fs.mgmtd.ops.PrimaryContext;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.net.Dispatcher;
import io.j3fs.proto.mgmtd.GetPrimaryMgmtdRsp;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One cluster manager instance: the lease, the primary's cluster view, and the execution of
 * operations ({@code ops/}, one class per RPC) against them. {@link #tick()} is its periodic work
 * (extend or take the lease, detect failed nodes, update chains), called by a scheduler in a
 * process and by tests with a manual clock. Operations on a non-primary answer NOT_PRIMARY.
 *
 * <p>Thread-safety: handlers (virtual threads) and {@link #tick()} serialize on one lock; the view
 * is only touched under it.
 */
public final class MgmtdServer {
  /**
   * @param heartbeatFailIntervalMs a node silent this long is failed and its targets offline (3FS:
   *     60 s)
   * @param clientSessionTimeoutMs a client session not extended this long expires (3FS: 20 min)
   */
  public record Config(
      LeaseElection.Config lease, long heartbeatFailIntervalMs, long clientSessionTimeoutMs) {
    /** 3FS's defaults: heartbeats fail after 60 s, client sessions after 20 min. */
    public static final Config DEFAULT =
        new Config(LeaseElection.Config.DEFAULT, 60_000, 20 * 60_000);
  }

  /** Expired sessions deleted per listing, at most, so one call stays one small transaction. */
  private static final int MAX_SESSIONS_REMOVED = 1_000;

  /** Largest config file accepted, in characters (stored values are at most 128 KiB). */
  private static final int MAX_CONFIG_CHARS = 64 * 1024;

  private final KvEngine kv;
  private final Clock clock;
  private final LeaseElection election;
  private final Config config;
  private final NodeId self;
  private final String address;
  private final PrimaryContext.Limits limits;
  private final ReentrantLock lock = new ReentrantLock();
  private long epoch = -1;
  private long leaseEndMs;
  private ClusterView view;
  private LeaseElection.Follower follower;

  public MgmtdServer(
      KvEngine kv, Clock clock, NodeId self, String address, String release, Config config) {
    this.kv = kv;
    this.clock = clock;
    this.config = config;
    this.self = self;
    this.address = address;
    this.election = new LeaseElection(kv, clock, self, address, release, config.lease());
    this.limits =
        new PrimaryContext.Limits(
            config.clientSessionTimeoutMs(), MAX_SESSIONS_REMOVED, MAX_CONFIG_CHARS);
  }

  /** Registers this instance's RPC handlers. */
  public void register(Dispatcher dispatcher) {
    MgmtdService.register(dispatcher, this);
  }

  /** Periodic work. Returns true if this instance is the primary afterwards. */
  public boolean tick() {
    lock.lock();
    try {
      LeaseElection.Outcome outcome;
      try {
        outcome = election.tryAcquireOrExtend();
      } catch (StatusException e) {
        // The KV store is unreachable: stop acting as primary, since the lease cannot be extended.
        step(null);
        return false;
      }
      if (outcome instanceof LeaseElection.Primary primary) {
        leaseEndMs = primary.leaseEndMs();
        if (primary.newlyElected() || view == null) {
          epoch = primary.epoch();
          view =
              ClusterView.restore(
                  clock,
                  config.heartbeatFailIntervalMs(),
                  election.routingVersion(),
                  kv.read(MgmtdStore::load));
        }
        follower = null;
        PrimaryContext context = context();
        try {
          ChainUpdates.apply(context);
        } catch (StatusException e) {
          step(null);
          return false;
        }
        return true;
      }
      step((LeaseElection.Follower) outcome);
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs one operation as primary, under the lock. NOT_PRIMARY if this instance is not the primary
   * (or its lease may have run out). If the operation's durable write failed, this instance steps
   * down: its view may hold a change that was never stored.
   */
  public <Q extends Message, R extends Message> R execute(MgmtdOp<Q, R> op, Q request) {
    lock.lock();
    try {
      primaryView();
      PrimaryContext context = context();
      try {
        return op.run(context, request);
      } finally {
        if (context.writeFailed()) {
          step(null);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private PrimaryContext context() {
    return new PrimaryContext(view, clock, kv, election, epoch, limits);
  }

  private void step(LeaseElection.Follower now) {
    view = null;
    epoch = -1;
    follower = now;
  }

  /**
   * The view, if this instance is primary and its lease has certainly not run out; else
   * NOT_PRIMARY.
   */
  private ClusterView primaryView() {
    if (view != null && clock.wallMillis() >= leaseEndMs) {
      step(null); // the lease ran out without a successful extension: stop acting as primary
    }
    if (view == null) {
      LeaseElection.Follower known = follower;
      throw new StatusException(
          StatusCode.NOT_PRIMARY,
          known == null
              ? "this mgmtd is not primary and knows no primary yet"
              : "primary mgmtd is node " + known.primary() + " at " + known.address());
    }
    return view;
  }

  /**
   * The primary as this instance knows it: itself, or the lease holder it saw at its last tick.
   * Followers answer too, so a client that reached any instance finds the primary in one more call.
   */
  GetPrimaryMgmtdRsp primary() {
    lock.lock();
    try {
      try {
        primaryView();
        return GetPrimaryMgmtdRsp.newBuilder().setNodeId(self.value()).setAddress(address).build();
      } catch (StatusException notPrimary) {
        LeaseElection.Follower known = follower;
        if (known == null || clock.wallMillis() >= known.leaseEndMs()) {
          throw new StatusException(
              StatusCode.NOT_PRIMARY, "this mgmtd knows no live primary right now");
        }
        return GetPrimaryMgmtdRsp.newBuilder()
            .setNodeId(known.primary().value())
            .setAddress(known.address())
            .build();
      }
    } finally {
      lock.unlock();
    }
  }
}
