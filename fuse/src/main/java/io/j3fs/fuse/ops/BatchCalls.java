package io.j3fs.fuse.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.fuse.ops.HeldDir.Pending;
import io.j3fs.proto.meta.BatchCreateReq;
import io.j3fs.proto.meta.BatchCreateRsp;
import io.j3fs.proto.meta.BatchRemoveReq;
import io.j3fs.proto.meta.BatchRemoveRsp;
import io.j3fs.proto.meta.CreateResult;
import io.j3fs.proto.meta.DeferredCreate;
import io.j3fs.proto.meta.DeferredUnlink;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A held directory's batches on the wire ({@link HeldDir}): the requests built from what waits,
 * sent again with the same request id until answered, and their answers handed back (files made to
 * their handles, refusals counted, the lease renewed or not).
 *
 * <p>Threads: the directory's lease thread only; {@link #createRequest} under the directory's
 * monitor (it reads each create's session wish), the rest outside it.
 */
final class BatchCalls {
  private static final Logger log = LoggerFactory.getLogger(BatchCalls.class);

  private final HeldDir held;
  private final UnlinkBehind owner;

  BatchCalls(HeldDir held, UnlinkBehind owner) {
    this.held = held;
    this.owner = owner;
  }

  /** An answer, and when the attempt that got it was sent (a renewed lease counts from then). */
  private record Answer<R>(R rsp, long sentNanos) {}

  /**
   * Sends one batch, again with the same request id until it is answered: the answer, or null when
   * given up, only on a failure that proves the batch can never be applied, or when shutting down
   * after a few attempts, or on a bug. Any failure stops early answers (DRAINING).
   */
  private <R> Answer<R> sendRetrying(String what, int count, java.util.function.Supplier<R> call) {
    long backoffMs = 100;
    for (int attempt = 1; ; attempt++) {
      long sentNanos = owner.clock().monotonicNanos();
      try {
        return new Answer<>(call.get(), sentNanos);
      } catch (StatusException e) {
        held.drain();
        if (finalFailure(e.code())) {
          log.error(
              "{} {} in directory 0x{} answered early were lost: {}",
              count,
              what,
              Long.toHexString(held.dir),
              e.getMessage());
          return null;
        }
        log.warn(
            "{} in directory 0x{} not applied yet (attempt {}): {}",
            what,
            Long.toHexString(held.dir),
            attempt,
            e.getMessage());
        if (owner.closing() && attempt >= 3) {
          log.error(
              "{} {} in directory 0x{} answered early were lost at shutdown",
              count,
              what,
              Long.toHexString(held.dir));
          return null;
        }
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
        backoffMs = Math.min(5_000, backoffMs * 2);
      } catch (RuntimeException e) {
        held.drain();
        log.error(
            "{} {} in directory 0x{} answered early were lost",
            count,
            what,
            Long.toHexString(held.dir),
            e);
        return null;
      }
    }
  }

  /** Sends one batch of unlinks ({@link #sendRetrying}): true when applied. */
  boolean sendRemoves(List<Pending> batch, long lease) {
    BatchRemoveReq.Builder req =
        BatchRemoveReq.newBuilder()
            .setRequest(owner.meta().newRequest())
            .setDir(held.dir)
            .setLeaseId(lease);
    for (Pending p : batch) {
      req.addUnlinks(
          DeferredUnlink.newBuilder().setUser(p.user()).setName(p.name()).setInodeId(p.inodeId()));
    }
    BatchRemoveReq request = req.build();
    Answer<BatchRemoveRsp> answer;
    try {
      answer = sendRetrying("unlinks", batch.size(), () -> owner.meta().remove(request));
    } finally {
      owner.batchSent(held.dir, batch.stream().map(Pending::name).toArray(String[]::new));
    }
    if (answer == null) {
      return false;
    }
    BatchRemoveRsp rsp = answer.rsp();
    owner.batchApplied();
    for (int i = 0; i < rsp.getStatusesCount(); i++) {
      if (rsp.getStatuses(i) != 0) {
        // Under the lease only a lapse (a partition) or permissions the kernel judged from
        // stale attributes can bring this: the acknowledged unlink did not happen.
        owner.refused(held.dir, 1);
        log.warn(
            "unlink of \"{}\" in directory 0x{}, answered early, was not applied: {}",
            batch.get(i).name(),
            Long.toHexString(held.dir),
            StatusCode.fromNumber(rsp.getStatuses(i)));
      }
    }
    held.leaseAnswer(rsp.getLeaseKept(), rsp.getLeaseMs(), answer.sentNanos());
    return true;
  }

  /** The request for a batch of creates (under this monitor: each create's session wish). */
  BatchCreateReq.Builder createRequest(List<Pending> batch) {
    BatchCreateReq.Builder req =
        BatchCreateReq.newBuilder()
            .setRequest(owner.meta().newRequest())
            .setDir(held.dir)
            .setWantInodeIds(owner.idsLow());
    for (Pending p : batch) {
      HeldDir.EarlyCreate c = p.create();
      req.addCreates(
          DeferredCreate.newBuilder()
              .setUser(c.user)
              .setName(p.name())
              .setInodeId(p.inodeId())
              .setMode(c.inode.getMode())
              .setTimeNs(c.inode.getCtimeNs())
              // A handle open for writing gets its session now: a write after the batch could
              // not always open the file again (open(O_CREAT | O_WRONLY, 0444) may write).
              .setOpenForWrite(c.file.openForWriting()));
    }
    return req;
  }

  /**
   * Sends one batch of creates ({@link #sendRetrying}): true when applied. Each file made is handed
   * to its handle (its inode as made, with its layout, and a write session if asked); one the
   * service would not make is counted refused, and its name is no longer known here.
   */
  boolean sendCreates(List<Pending> batch, BatchCreateReq.Builder req) {
    BatchCreateReq request = req.build();
    Answer<BatchCreateRsp> answer;
    try {
      answer = sendRetrying("creates", batch.size(), () -> owner.meta().create(request));
    } finally {
      owner.batchSent(held.dir, new String[0]);
    }
    if (answer == null) {
      return false;
    }
    BatchCreateRsp rsp = answer.rsp();
    owner.batchApplied();
    owner.addIds(rsp.getFirstInodeId(), rsp.getInodeIds());
    synchronized (held) {
      for (int i = 0; i < batch.size() && i < rsp.getResultsCount(); i++) {
        CreateResult result = rsp.getResults(i);
        Pending p = batch.get(i);
        if (result.getStatus() == 0) {
          HeldDir.EarlyCreate c = p.create();
          if (c.file.adopt(result.getInode(), result.getSessionId())
              && !result.getSessionId().isEmpty()) {
            owner.sessionOfReleased(c.file, result.getSessionId(), c.user);
          }
        } else {
          owner.refused(held.dir, 1);
          held.createRefused(p.name());
          log.warn(
              "create of \"{}\" in directory 0x{}, answered early, was not applied: {} {}",
              p.name(),
              Long.toHexString(held.dir),
              StatusCode.fromNumber(result.getStatus()),
              result.getMessage());
        }
      }
    }
    held.leaseAnswer(rsp.getLeaseKept(), rsp.getLeaseMs(), answer.sentNanos());
    return true;
  }

  /**
   * Failures after which sending the same batch again cannot succeed. Anything else (a conflict
   * that outlasted the retries, an unknown commit, a server that does not know the method yet in a
   * rolling upgrade) may pass later, and the request id keeps it from being applied twice.
   */
  private static boolean finalFailure(StatusCode code) {
    return switch (code) {
      case INVALID_ARGUMENT, MALFORMED_FRAME, TRANSACTION_TOO_LARGE -> true;
      default -> false;
    };
  }
}
