package io.j3fs.meta.ops;

import io.j3fs.common.id.InodeId;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.LengthHint;
import io.j3fs.proto.meta.store.InodeRecord;

/**
 * File length after writes: a client reports the highest offset it wrote on sync and close. An
 * exact hint is taken as it is; an uncertain one (or none after a write) makes the service ask
 * storage for the file's last chunk. The length only grows here: shrinking is truncate's job.
 */
final class Lengths {
  private Lengths() {}

  /** Whether {@link #queryIfNeeded} would ask storage for this hint. */
  static boolean asksStorage(LengthHint hint, boolean wrote) {
    return hint != null && !hint.getExact() && (hint.getLength() > 0 || wrote);
  }

  /** Whether a close or sync with this hint (if {@code hasHint}) needs nothing but the store. */
  static boolean storeOnly(boolean hasHint, LengthHint hint, boolean wrote) {
    return !asksStorage(hasHint ? hint : null, wrote);
  }

  /** The length storage holds, when the hint cannot be trusted; -1 when not needed. */
  static long queryIfNeeded(MetaContext ctx, long inodeId, LengthHint hint, boolean wrote) {
    if (!asksStorage(hint, wrote)) {
      return -1;
    }
    Inode inode = ctx.kv().read(tx -> MetaStore.requireInode(tx, inodeId).getInode());
    if (inode.getType() != InodeType.FILE) {
      return -1;
    }
    return ctx.storage().queryLength(InodeId.of(inodeId), inode.getLayout());
  }

  /** Records the length and times in the transaction; returns the inode as it is now. */
  static Inode record(
      MetaContext ctx,
      io.j3fs.kv.Transaction tx,
      long inodeId,
      LengthHint hint,
      long queried,
      boolean wrote) {
    InodeRecord record = MetaStore.requireInode(tx, inodeId);
    InodeRecord updated = apply(ctx, record, hint, queried, wrote);
    if (!updated.equals(record)) {
      MetaStore.putInode(tx, updated);
    }
    return updated.getInode();
  }

  private static InodeRecord apply(
      MetaContext ctx, InodeRecord record, LengthHint hint, long queried, boolean wrote) {
    Inode inode = record.getInode();
    if (inode.getType() != InodeType.FILE) {
      return record;
    }
    long length = inode.getLength();
    if (hint != null && hint.getExact()) {
      length = Math.max(length, hint.getLength());
    }
    if (queried >= 0) {
      length = Math.max(length, queried);
    }
    Inode.Builder out = inode.toBuilder().setLength(length);
    if (wrote) {
      long now = ctx.nowNs();
      out.setMtimeNs(now).setCtimeNs(now);
    }
    return record.toBuilder().setInode(out).build();
  }
}
