package io.j3fs.common.keys;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Every key prefix j3fs stores in the KV layer, in one registry (as 3FS keeps them in
 * KeyPrefix-def.h), so no two kinds of record can collide. Prefixes are four printable ASCII bytes;
 * the KV layer reserves keys from 0xff up.
 */
public enum KeyPrefix {
  /** Singletons: the mgmtd lease, the routing info version. */
  SINGLETON("SING"),
  /** Node records, by node id. */
  NODE("NODE"),
  /** Storage target records, by target id. */
  TARGET("TGIF"),
  /** Chains, by chain id. */
  CHAIN("CHIF"),
  /** Chain tables, by table id and version. */
  CHAIN_TABLE("CHIT"),
  /** Service configs, by node type and version. */
  CONFIG("CONF"),
  /** Client sessions, by client id. */
  CLIENT_SESSION("CSES"),
  /** Inodes, by inode id (little-endian, so ids spread). */
  INODE("INOD"),
  /** Directory entries, by parent inode id and name. */
  DIRECTORY_ENTRY("DENT"),
  /** Write sessions of open files. */
  FILE_SESSION("INOS"),
  /** Idempotency records of mutating metadata requests. */
  IDEMPOTENCY("IDEM"),
  /** Inodes whose last link is gone, waiting for the GC to remove their chunks. */
  GC_QUEUE("GCQU"),
  /** Directory leases: who may change a directory's entries now (unlink-behind). */
  DIRECTORY_LEASE("LEAS"),
  /** Blocks of inode ids given to clients for the files they make under leases (create-behind). */
  INODE_GRANT("IGRT");

  private final byte[] bytes;

  KeyPrefix(String text) {
    this.bytes = text.getBytes(StandardCharsets.US_ASCII);
  }

  static {
    Set<String> seen = new HashSet<>();
    for (KeyPrefix prefix : values()) {
      String text = new String(prefix.bytes, StandardCharsets.US_ASCII);
      if (prefix.bytes.length != 4 || !seen.add(text)) {
        throw new ExceptionInInitializerError(
            "key prefix " + text + " is not 4 bytes or is used twice");
      }
    }
  }

  /** A copy of the prefix bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The prefix followed by {@code suffix}. */
  public byte[] key(byte[] suffix) {
    byte[] key = new byte[bytes.length + suffix.length];
    System.arraycopy(bytes, 0, key, 0, bytes.length);
    System.arraycopy(suffix, 0, key, bytes.length, suffix.length);
    return key;
  }

  /** The prefix followed by the UTF-8 bytes of {@code name}. */
  public byte[] key(String name) {
    return key(name.getBytes(StandardCharsets.UTF_8));
  }
}
