package io.j3fs.meta.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.RangeIterator;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.store.DirEntryRecord;
import io.j3fs.proto.meta.store.FileSessionRecord;
import io.j3fs.proto.meta.store.GcRecord;
import io.j3fs.proto.meta.store.InodeRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the metadata records inside a caller's transaction. Every read goes through the
 * transaction, so it joins the transaction's read set and a concurrent change to it makes the
 * commit fail and retry (that is what makes each operation serializable).
 */
public final class MetaStore {
  /** The schema version records are written with. */
  public static final int SCHEMA_VERSION = 1;

  private MetaStore() {}

  public static InodeRecord inode(ReadTransaction tx, long id) {
    byte[] value = tx.get(MetaKeys.inode(id));
    return value == null ? null : parse(value, "inode " + id, InodeRecord.parser());
  }

  public static InodeRecord requireInode(ReadTransaction tx, long id) {
    InodeRecord record = inode(tx, id);
    if (record == null) {
      throw new StatusException(
          StatusCode.NOT_FOUND, String.format("inode 0x%x does not exist", id));
    }
    return record;
  }

  public static void putInode(Transaction tx, InodeRecord record) {
    tx.set(
        MetaKeys.inode(record.getInode().getId()),
        record.toBuilder().setSchemaVersion(SCHEMA_VERSION).build().toByteArray());
  }

  public static void clearInode(Transaction tx, long id) {
    tx.clear(MetaKeys.inode(id));
  }

  public static DirEntryRecord entry(ReadTransaction tx, long parent, String name) {
    byte[] value = tx.get(MetaKeys.entry(parent, name));
    return value == null ? null : parse(value, "entry " + name, DirEntryRecord.parser());
  }

  public static void putEntry(Transaction tx, long parent, String name, DirEntryRecord entry) {
    tx.set(
        MetaKeys.entry(parent, name),
        entry.toBuilder().setSchemaVersion(SCHEMA_VERSION).build().toByteArray());
  }

  public static void clearEntry(Transaction tx, long parent, String name) {
    tx.clear(MetaKeys.entry(parent, name));
  }

  /** A directory entry with its name. */
  public record Entry(String name, DirEntryRecord record) {}

  /** Up to {@code limit} entries of a directory with names after {@code after} (exclusive). */
  public static List<Entry> entries(ReadTransaction tx, long dir, String after, int limit) {
    byte[] prefix = MetaKeys.entriesOf(dir);
    byte[] begin =
        after == null || after.isEmpty()
            ? prefix
            : io.j3fs.common.bytes.ByteKeys.keyAfter(MetaKeys.entry(dir, after));
    List<Entry> out = new ArrayList<>();
    RangeIterator it =
        tx.getRange(begin, io.j3fs.common.bytes.ByteKeys.prefixEnd(prefix), limit, false);
    while (it.hasNext()) {
      KeyValue kv = it.next();
      out.add(
          new Entry(
              MetaKeys.entryName(kv.key()),
              parse(kv.value(), "an entry of " + dir, DirEntryRecord.parser())));
    }
    return out;
  }

  public static boolean isEmptyDirectory(ReadTransaction tx, long dir) {
    return entries(tx, dir, null, 1).isEmpty();
  }

  /** The write sessions of an inode. */
  public static List<FileSessionRecord> sessions(ReadTransaction tx, long inode) {
    byte[] prefix = MetaKeys.sessionsOf(inode);
    List<FileSessionRecord> out = new ArrayList<>();
    RangeIterator it =
        tx.getRange(prefix, io.j3fs.common.bytes.ByteKeys.prefixEnd(prefix), 0, false);
    while (it.hasNext()) {
      out.add(parse(it.next().value(), "a session of " + inode, FileSessionRecord.parser()));
    }
    return out;
  }

  public static void putSession(Transaction tx, FileSessionRecord session) {
    byte[] value = session.toBuilder().setSchemaVersion(SCHEMA_VERSION).build().toByteArray();
    tx.set(MetaKeys.session(session.getInodeId(), session.getSessionId()), value);
    tx.set(
        MetaKeys.clientSession(session.getClientId(), session.getInodeId(), session.getSessionId()),
        new byte[0]);
  }

  /** Removes a session; false if it was not there. */
  public static boolean clearSession(Transaction tx, long inode, String sessionId) {
    byte[] key = MetaKeys.session(inode, sessionId);
    byte[] value = tx.get(key);
    if (value == null) {
      return false;
    }
    FileSessionRecord session = parse(value, "session " + sessionId, FileSessionRecord.parser());
    tx.clear(key);
    tx.clear(MetaKeys.clientSession(session.getClientId(), inode, sessionId));
    return true;
  }

  /**
   * Whether storage may hold chunks of a file no session holds any more. A file of length 0 that
   * was never truncated never held a byte: every session reported its writes (an exact length at
   * close, or the length storage has when the pruner ends a lost client's session), so chunks would
   * show in the length; a truncation cuts storage before it records the length, so a cut file is
   * removed from storage whatever its length.
   */
  public static boolean mayHoldChunks(Inode attrs) {
    return attrs.getLength() > 0 || attrs.getTruncateVersion() > 0;
  }

  /** Queues an inode whose last link is gone for the GC (idempotent). */
  public static void enqueueGc(Transaction tx, long inode, long nowMs) {
    tx.set(
        MetaKeys.gc(inode),
        GcRecord.newBuilder()
            .setSchemaVersion(SCHEMA_VERSION)
            .setInodeId(inode)
            .setEnqueuedMs(nowMs)
            .build()
            .toByteArray());
  }

  public static <T> T parse(byte[] value, String what, com.google.protobuf.Parser<T> parser) {
    try {
      return parser.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StatusException(
          StatusCode.INTERNAL, "stored " + what + " is damaged: " + e.getMessage());
    }
  }
}
