package io.j3fs.common.status;

import java.util.HashMap;
import java.util.Map;

/**
 * Every failure in j3fs travels as one of these codes plus a short message, on the wire and in Java
 * alike.
 *
 * <p>Numbers are part of the wire format: a code keeps its number forever and a retired code stays
 * listed (marked retired) so its number is never reused. Groups: 0 ok, 1xx generic, 2xx KV layer,
 * 3xx RPC, 4xx metadata, 5xx storage, 6xx cluster manager.
 *
 * <p>{@link #retriable()} says whether the same request may succeed if simply sent again (possibly
 * after refreshing routing info or backing off). It is a property of the code, so every layer
 * retries the same way.
 */
public enum StatusCode {
  OK(0, false),

  // 1xx: generic
  INVALID_ARGUMENT(100, false),
  INTERNAL(101, false),
  TIMEOUT(102, true),
  BUSY(103, true),
  UNAVAILABLE(104, true),
  CANCELLED(105, false),
  NOT_IMPLEMENTED(106, false),
  PERMISSION_DENIED(107, false),
  NO_SPACE(108, false),
  CHECKSUM_MISMATCH(109, true),

  // 2xx: transactional key-value layer
  /** Another transaction that committed after this one began changed something this one read. */
  TRANSACTION_CONFLICT(200, true),
  /**
   * The transaction outlived the conflict-detection window (its reads can no longer be validated).
   */
  TRANSACTION_TOO_OLD(201, true),
  /** The commit may or may not have been applied (connection lost during commit). */
  COMMIT_UNKNOWN(202, false),
  /** The transaction was already committed, cancelled or closed. */
  TRANSACTION_FINISHED(203, false),
  /** The transaction's writes exceed the per-transaction size limit. */
  TRANSACTION_TOO_LARGE(204, false),
  /** The retry loop gave up after its bounded number of attempts. */
  RETRIES_EXHAUSTED(205, false),

  // 3xx: RPC
  ROUTING_VERSION_MISMATCH(300, true),
  MALFORMED_FRAME(301, false),
  UNKNOWN_METHOD(302, false),

  // 4xx: metadata (POSIX namespace)
  NOT_FOUND(400, false),
  EXISTS(401, false),
  NOT_DIRECTORY(402, false),
  IS_DIRECTORY(403, false),
  NOT_EMPTY(404, false),
  NAME_TOO_LONG(405, false),
  TOO_MANY_SYMLINKS(406, false),
  CROSS_DEVICE(407, false),
  NO_SUCH_ATTRIBUTE(408, false),
  READ_ONLY(409, false),
  /**
   * EPERM: the caller may never do this (not a missing permission bit: that is PERMISSION_DENIED).
   */
  NOT_PERMITTED(410, false),
  /** EMLINK: an inode has the most links it can have. */
  TOO_MANY_LINKS(411, false),
  /**
   * Another client holds the lease of a directory whose entries this request changes (it answers
   * its own unlinks there before the service applies them): retry; the holder has been asked to
   * give it back. Not retried by a store's transaction loop, which cannot make it go away.
   */
  DIRECTORY_LEASED(412, true),

  // 5xx: storage
  CHAIN_VERSION_MISMATCH(500, true),
  CHUNK_NOT_COMMITTED(501, true),
  TARGET_NOT_SERVING(502, true),
  NOT_CHAIN_HEAD(503, true),
  STALE_UPDATE(504, false),
  MISSING_UPDATE(505, true),

  // 6xx: cluster manager
  NOT_PRIMARY(600, true),
  LEASE_LOST(601, true),
  ;

  private static final Map<Integer, StatusCode> BY_NUMBER = new HashMap<>();

  static {
    for (StatusCode code : values()) {
      if (BY_NUMBER.put(code.number, code) != null) {
        throw new ExceptionInInitializerError("duplicate status number " + code.number);
      }
    }
  }

  private final int number;
  private final boolean retriable;

  StatusCode(int number, boolean retriable) {
    this.number = number;
    this.retriable = retriable;
  }

  /** The code's number on the wire. */
  public int number() {
    return number;
  }

  public boolean retriable() {
    return retriable;
  }

  /**
   * Whether this code is an ordinary answer rather than a fault: retriable codes, and the
   * namespace's answers (4xx: no such name, exists, not empty...), which a negative lookup or an
   * exclusive create produce by the thousand. Exceptions with such a code capture no stack trace.
   */
  public boolean ordinary() {
    return retriable || (number >= 400 && number < 500);
  }

  /** Decodes a wire number; unknown numbers (from a newer peer) become {@link #INTERNAL}. */
  public static StatusCode fromNumber(int number) {
    StatusCode code = BY_NUMBER.get(number);
    return code == null ? INTERNAL : code;
  }
}
