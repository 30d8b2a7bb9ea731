package io.j3fs.meta.store;

import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.common.keys.KeyPrefix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The metadata service's keys. Inode ids are little-endian in keys, so consecutive ids land far
 * apart and no single range of the store takes every new inode (3FS does the same); a directory's
 * entries share the prefix DENT + parent id and sort by name bytes, which is what paginated listing
 * walks.
 */
public final class MetaKeys {
  private MetaKeys() {}

  static byte[] le(long id) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(id).array();
  }

  static long fromLe(byte[] key, int offset) {
    return ByteBuffer.wrap(key, offset, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  public static byte[] inode(long id) {
    return KeyPrefix.INODE.key(le(id));
  }

  /** The first key of every inode (for the namespace checker's full scan). */
  public static byte[] inodesBegin() {
    return KeyPrefix.INODE.bytes();
  }

  public static byte[] inodesEnd() {
    return ByteKeys.prefixEnd(KeyPrefix.INODE.bytes());
  }

  public static byte[] entriesOf(long parent) {
    return KeyPrefix.DIRECTORY_ENTRY.key(le(parent));
  }

  public static byte[] entry(long parent, String name) {
    return ByteKeys.concat(entriesOf(parent), name.getBytes(StandardCharsets.UTF_8));
  }

  /** The name of an entry key under {@code parent}'s prefix. */
  public static String entryName(byte[] key) {
    int offset = KeyPrefix.DIRECTORY_ENTRY.bytes().length + 8;
    return new String(key, offset, key.length - offset, StandardCharsets.UTF_8);
  }

  /** The parent id of an entry key. */
  public static long entryParent(byte[] key) {
    return fromLe(key, KeyPrefix.DIRECTORY_ENTRY.bytes().length);
  }

  public static byte[] allEntriesBegin() {
    return KeyPrefix.DIRECTORY_ENTRY.bytes();
  }

  public static byte[] allEntriesEnd() {
    return ByteKeys.prefixEnd(KeyPrefix.DIRECTORY_ENTRY.bytes());
  }

  private static final byte SESSION_BY_INODE = 'I';
  private static final byte SESSION_BY_CLIENT = 'C';

  /** A write session, under its inode: INOS 'I' + inode (LE) + session id. */
  public static byte[] session(long inode, String sessionId) {
    return ByteKeys.concat(sessionsOf(inode), sessionId.getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] sessionsOf(long inode) {
    return KeyPrefix.FILE_SESSION.key(ByteKeys.concat(new byte[] {SESSION_BY_INODE}, le(inode)));
  }

  /** The index of a client's sessions: INOS 'C' + client id + 0 + inode (LE) + session id. */
  public static byte[] clientSession(String clientId, long inode, String sessionId) {
    return ByteKeys.concat(
        sessionsOfClient(clientId), le(inode), sessionId.getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] sessionsOfClient(String clientId) {
    return KeyPrefix.FILE_SESSION.key(
        ByteKeys.concat(
            new byte[] {SESSION_BY_CLIENT},
            clientId.getBytes(StandardCharsets.UTF_8),
            new byte[] {0}));
  }

  /** The start of the whole per-client session index. */
  public static byte[] sessionsOfClientBegin() {
    return KeyPrefix.FILE_SESSION.key(new byte[] {SESSION_BY_CLIENT});
  }

  /** The inode and session id of a client-index key of {@code clientId}. */
  public static long clientSessionInode(String clientId, byte[] key) {
    return fromLe(key, sessionsOfClient(clientId).length);
  }

  public static String clientSessionId(String clientId, byte[] key) {
    int offset = sessionsOfClient(clientId).length + 8;
    return new String(key, offset, key.length - offset, StandardCharsets.UTF_8);
  }

  public static byte[] idempotency(String clientId, long requestId) {
    return KeyPrefix.IDEMPOTENCY.key(
        ByteKeys.concat(
            clientId.getBytes(StandardCharsets.UTF_8),
            new byte[] {0},
            ByteBuffer.allocate(8).putLong(requestId).array()));
  }

  public static byte[] idempotencyBegin() {
    return KeyPrefix.IDEMPOTENCY.bytes();
  }

  public static byte[] idempotencyEnd() {
    return ByteKeys.prefixEnd(KeyPrefix.IDEMPOTENCY.bytes());
  }

  public static byte[] gc(long inode) {
    return KeyPrefix.GC_QUEUE.key(le(inode));
  }

  public static byte[] gcBegin() {
    return KeyPrefix.GC_QUEUE.bytes();
  }

  public static byte[] gcEnd() {
    return ByteKeys.prefixEnd(KeyPrefix.GC_QUEUE.bytes());
  }

  public static byte[] dirLease(long dir) {
    return KeyPrefix.DIRECTORY_LEASE.key(le(dir));
  }

  public static byte[] dirLeasesBegin() {
    return KeyPrefix.DIRECTORY_LEASE.bytes();
  }

  public static byte[] dirLeasesEnd() {
    return ByteKeys.prefixEnd(KeyPrefix.DIRECTORY_LEASE.bytes());
  }

  public static byte[] inodeGrant(long block) {
    return KeyPrefix.INODE_GRANT.key(ByteBuffer.allocate(8).putLong(block).array());
  }

  public static byte[] inodeAllocShard(int shard) {
    return KeyPrefix.SINGLETON.key("inode-alloc-" + shard);
  }
}
