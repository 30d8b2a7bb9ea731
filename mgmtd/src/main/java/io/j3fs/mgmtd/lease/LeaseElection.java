package io.j3fs.mgmtd.lease;

import com.google.protobuf.InvalidProtocolBufferException;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.keys.KeyPrefix;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.kv.TxBody;
import io.j3fs.proto.mgmtd.store.MgmtdLease;
import io.j3fs.proto.mgmtd.store.RoutingInfoVersion;

/**
 * Primary election of the cluster manager by a lease kept in the KV store (3FS's {@code
 * MgmtdStore::extendLease}). Every mgmtd instance calls {@link #tryAcquireOrExtend()} periodically;
 * in one serializable transaction it takes the lease if there is none or it has expired, extends it
 * if it already holds it, and otherwise learns who the primary is.
 *
 * <p>Never two acting primaries: a primary makes every state write through {@link #writeAsPrimary},
 * which re-reads the lease in the same transaction and refuses unless this node still holds it
 * under the same epoch and it has not expired. A node that took the lease over bumped the epoch, so
 * the old primary's writes fail (NOT_PRIMARY), and because the lease key was read, a takeover
 * racing a write makes one of the two transactions conflict.
 *
 * <p>A new primary bumps the routing info version in the transaction that makes it primary, so
 * clients and services refresh. A lease held by a newer release cannot be taken by an older one (no
 * rollback of the release version).
 *
 * <p>Thread-safe: all state is in the KV store.
 */
public final class LeaseElection {
  static final byte[] LEASE_KEY = KeyPrefix.SINGLETON.key("MgmtdLease");
  static final byte[] ROUTING_VERSION_KEY = KeyPrefix.SINGLETON.key("RoutingInfoVersion");
  private static final int SCHEMA_VERSION = 1;

  /**
   * @param leaseLengthMs how long a taken or extended lease lasts (3FS: 60 s)
   * @param extendIntervalMs how often the holder extends it (3FS: 10 s); must leave room for
   *     several tries
   */
  public record Config(long leaseLengthMs, long extendIntervalMs) {
    public static final Config DEFAULT = new Config(60_000, 10_000);

    public Config {
      if (extendIntervalMs <= 0 || leaseLengthMs < 2 * extendIntervalMs) {
        throw new IllegalArgumentException(
            "lease length must be at least twice the extend interval, got "
                + leaseLengthMs
                + " and "
                + extendIntervalMs);
      }
    }
  }

  /** What an attempt found. */
  public sealed interface Outcome permits Primary, Follower {}

  /**
   * This node holds the lease until {@code leaseEndMs} under {@code epoch}; {@code newlyElected} on
   * takeover.
   */
  public record Primary(long epoch, long leaseEndMs, boolean newlyElected) implements Outcome {}

  /**
   * Another node holds the lease (or none does and this node may not take it); clients go to {@code
   * address}.
   */
  public record Follower(NodeId primary, String address, long leaseEndMs) implements Outcome {}

  private final KvEngine kv;
  private final Clock clock;
  private final NodeId self;
  private final String address;
  private final String releaseVersion;
  private final Config config;

  public LeaseElection(
      KvEngine kv, Clock clock, NodeId self, String address, String releaseVersion, Config config) {
    this.kv = kv;
    this.clock = clock;
    this.self = self;
    this.address = address;
    this.releaseVersion = releaseVersion;
    this.config = config;
  }

  public Outcome tryAcquireOrExtend() {
    return kv.run(
        tx -> {
          MgmtdLease lease = readLease(tx);
          long now = clock.wallMillis();
          boolean mine = lease != null && lease.getPrimaryNodeId() == self.value();
          boolean live = lease != null && now < lease.getLeaseEndMs();
          if (lease != null && !mine && live) {
            return new Follower(
                NodeId.of(lease.getPrimaryNodeId()),
                lease.getPrimaryAddress(),
                lease.getLeaseEndMs());
          }
          if (lease != null
              && !mine
              && compareReleases(lease.getReleaseVersion(), releaseVersion) > 0) {
            // The last primary ran a newer release: an older one must not take over (no rollback).
            return new Follower(
                NodeId.of(lease.getPrimaryNodeId()),
                lease.getPrimaryAddress(),
                lease.getLeaseEndMs());
          }
          boolean newlyElected = !(mine && live);
          long epoch = lease == null ? 1 : (newlyElected ? lease.getEpoch() + 1 : lease.getEpoch());
          long end = now + config.leaseLengthMs();
          tx.set(
              LEASE_KEY,
              MgmtdLease.newBuilder()
                  .setSchemaVersion(SCHEMA_VERSION)
                  .setPrimaryNodeId(self.value())
                  .setPrimaryAddress(address)
                  .setLeaseStartMs(newlyElected ? now : lease.getLeaseStartMs())
                  .setLeaseEndMs(end)
                  .setEpoch(epoch)
                  .setReleaseVersion(releaseVersion)
                  .build()
                  .toByteArray());
          if (newlyElected) {
            bumpRoutingVersion(tx);
          }
          return new Primary(epoch, end, newlyElected);
        });
  }

  /**
   * Runs a state write as primary under {@code epoch}: fails with NOT_PRIMARY if another node holds
   * the lease (its address in the message) or this node's lease expired. The check and the write
   * are one transaction.
   */
  public <T> T writeAsPrimary(long epoch, TxBody<T> body) {
    return kv.run(
        tx -> {
          checkLease(tx, epoch);
          return body.apply(tx);
        });
  }

  /** The lease check of {@link #writeAsPrimary}, for callers composing their own transaction. */
  public void checkLease(Transaction tx, long epoch) {
    MgmtdLease lease = readLease(tx);
    if (lease == null || lease.getPrimaryNodeId() != self.value() || lease.getEpoch() != epoch) {
      throw new StatusException(
          StatusCode.NOT_PRIMARY,
          lease == null
              ? "no mgmtd holds the lease"
              : "primary mgmtd is node "
                  + lease.getPrimaryNodeId()
                  + " at "
                  + lease.getPrimaryAddress());
    }
    if (clock.wallMillis() >= lease.getLeaseEndMs()) {
      throw new StatusException(StatusCode.LEASE_LOST, "the lease of node " + self + " expired");
    }
  }

  /** The routing info version (0 before any primary was elected). */
  public long routingVersion() {
    return kv.read(LeaseElection::routingVersion);
  }

  static long routingVersion(ReadTransaction tx) {
    byte[] value = tx.get(ROUTING_VERSION_KEY);
    if (value == null) {
      return 0;
    }
    try {
      return RoutingInfoVersion.parseFrom(value).getVersion();
    } catch (InvalidProtocolBufferException e) {
      throw new StatusException(StatusCode.INTERNAL, "stored routing info version is corrupt");
    }
  }

  /**
   * Raises the stored routing version to {@code version} (never lowers it). The primary stores
   * every version before publishing it, so a new primary, which starts above the stored one, never
   * goes back to a version clients saw.
   */
  public static void storeRoutingVersion(Transaction tx, long version) {
    if (version > routingVersion(tx)) {
      tx.set(
          ROUTING_VERSION_KEY,
          RoutingInfoVersion.newBuilder()
              .setSchemaVersion(SCHEMA_VERSION)
              .setVersion(version)
              .build()
              .toByteArray());
    }
  }

  private static void bumpRoutingVersion(Transaction tx) {
    long next = routingVersion(tx) + 1;
    tx.set(
        ROUTING_VERSION_KEY,
        RoutingInfoVersion.newBuilder()
            .setSchemaVersion(SCHEMA_VERSION)
            .setVersion(next)
            .build()
            .toByteArray());
  }

  private static MgmtdLease readLease(ReadTransaction tx) {
    byte[] value = tx.get(LEASE_KEY);
    if (value == null) {
      return null;
    }
    try {
      return MgmtdLease.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StatusException(StatusCode.INTERNAL, "stored mgmtd lease is corrupt");
    }
  }

  /**
   * Compares dotted release versions numerically ("0.10.0" > "0.9.2"); a suffix such as -SNAPSHOT
   * is ignored.
   */
  static int compareReleases(String a, String b) {
    String[] left = a.split("-", 2)[0].split("\\.");
    String[] right = b.split("-", 2)[0].split("\\.");
    for (int i = 0; i < Math.max(left.length, right.length); i++) {
      long x = i < left.length ? parse(left[i]) : 0;
      long y = i < right.length ? parse(right[i]) : 0;
      if (x != y) {
        return Long.compare(x, y);
      }
    }
    return 0;
  }

  private static long parse(String part) {
    try {
      return Long.parseLong(part);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
