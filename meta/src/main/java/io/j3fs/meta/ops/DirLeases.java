package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaKeys;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.store.DirLeaseRecord;

/**
 * Directory leases, which let a client answer its own unlinks in a directory before the service has
 * applied them (unlink-behind, as CephFS's asynchronous directory operations under its exclusive
 * capabilities). The record under {@code LEAS + dir} says who holds it and until when.
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>At most one client holds a live lease on a directory: a grant never replaces another
 *       client's live record.
 *   <li>While it does, every other client's change of that directory's entries (create, mkdir,
 *       symlink, link, rename from or to it, remove, a batch of removes), and of the mode or owner
 *       that decide who may remove them, is refused with DIRECTORY_LEASED, which its client
 *       retries, and the record is marked recalled: a recalled lease is not renewed and, once given
 *       back, is not granted to anyone for {@link #RECALL_COOLDOWN_MS}, so the waiting client gets
 *       its turn. The check reads the record inside the change's own transaction, so a grant and a
 *       change cannot both commit on a stale view of each other.
 *   <li>The holder's own changes go through as anyone's would.
 *   <li>A record is live until its expiry by the clock of the instance reading it. The holder stops
 *       answering unlinks well before, counting from when it sent the request that granted or
 *       renewed it, so instances' clocks may differ by up to the holder's margin.
 * </ul>
 */
public final class DirLeases {
  /**
   * How long a lease given back after a recall stays ungrantable: three times the metadata client's
   * longest back-off, so the client that waited retries within it.
   */
  public static final long RECALL_COOLDOWN_MS = 3_000;

  private DirLeases() {}

  /** Another client holds a live lease on {@link #dir}; the holder is to be asked back. */
  static final class Held extends StatusException {
    private static final long serialVersionUID = 1L;

    final long dir;

    Held(long dir) {
      super(
          StatusCode.DIRECTORY_LEASED,
          "directory 0x" + Long.toHexString(dir) + " is leased to another client; retry");
      this.dir = dir;
    }
  }

  /** The lease record of {@code dir}, or null. */
  static DirLeaseRecord record(ReadTransaction tx, long dir) {
    byte[] value = tx.get(MetaKeys.dirLease(dir));
    return value == null ? null : MetaStore.parse(value, "lease", DirLeaseRecord.parser());
  }

  /** Whether {@code r} is held by a client now (not expired, not a cool-down after a recall). */
  static boolean live(MetaContext ctx, DirLeaseRecord r) {
    return r != null && !r.getClientId().isEmpty() && r.getExpiresMs() > ctx.nowMs();
  }

  /**
   * Refuses a change of {@code dir}'s entries, with {@link Held}, when another client than the
   * request's holds a live lease on it. Reads the record in {@code tx}, so a grant committed after
   * this read conflicts with the change.
   */
  static void checkFree(MetaContext ctx, ReadTransaction tx, long dir, RequestId request) {
    DirLeaseRecord r = record(tx, dir);
    if (live(ctx, r) && (request == null || !r.getClientId().equals(request.getClientId()))) {
      throw new Held(dir);
    }
  }

  /**
   * Marks the live lease of {@code dir} recalled (its holder learns it at its next renewal and
   * gives it back), in a transaction of its own: the change that found it could not commit.
   */
  static void recall(MetaContext ctx, long dir) {
    ctx.kv()
        .run(
            tx -> {
              DirLeaseRecord r = record(tx, dir);
              if (live(ctx, r) && !r.getRecalled()) {
                put(tx, dir, r.toBuilder().setRecalled(true).build());
              }
              return null;
            });
  }

  /** A batch's renewal of its caller's lease: whether it may go on answering, for how long. */
  record Renewal(boolean kept, long leaseMs) {}

  /**
   * Renews the caller's live lease {@code leaseId} of {@code dir} in {@code tx}, also a recalled
   * one: the holder answers nothing early any more ({@code kept} false) but sends what it answered
   * before under this lease, which keeps other clients out until the last of it is applied and the
   * lease is given back. Null when there is no such lease (expired, released, another's, 0).
   */
  static Renewal renew(MetaContext ctx, Transaction tx, long dir, RequestId request, long leaseId) {
    DirLeaseRecord lease = record(tx, dir);
    long leaseMs = ctx.settings().dirLeaseMs();
    if (leaseId == 0
        || !live(ctx, lease)
        || !lease.getClientId().equals(request.getClientId())
        || lease.getLeaseId() != leaseId
        || leaseMs <= 0) {
      return null;
    }
    put(tx, dir, lease.toBuilder().setExpiresMs(ctx.nowMs() + leaseMs).build());
    return new Renewal(!lease.getRecalled(), leaseMs);
  }

  /** Drops a removed directory's record. */
  public static void clear(Transaction tx, long dir) {
    tx.clear(MetaKeys.dirLease(dir));
  }

  static void put(Transaction tx, long dir, DirLeaseRecord r) {
    tx.set(
        MetaKeys.dirLease(dir),
        r.toBuilder().setSchemaVersion(MetaStore.SCHEMA_VERSION).build().toByteArray());
  }
}
