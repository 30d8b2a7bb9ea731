package io.j3fs.fuse.ops;

import io.j3fs.common.status.StatusCode;

/**
 * The errno a FUSE reply carries for each j3fs status, as a local Linux file system would answer.
 * Statuses that only mean "the cluster could not do it now" (after the client's retries gave up)
 * become EIO, except a timeout (ETIMEDOUT) and a full target (ENOSPC).
 */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int EACCES = 13;
  public static final int EEXIST = 17;
  public static final int EXDEV = 18;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int EFBIG = 27;
  public static final int ENOSPC = 28;
  public static final int EROFS = 30;
  public static final int EMLINK = 31;
  public static final int ERANGE = 34;
  public static final int ENAMETOOLONG = 36;
  public static final int ENOSYS = 38;
  public static final int ENOTEMPTY = 39;
  public static final int ELOOP = 40;
  public static final int ENODATA = 61;
  public static final int EOPNOTSUPP = 95;
  public static final int ETIMEDOUT = 110;

  private Errno() {}

  public static int of(StatusCode code) {
    return switch (code) {
      case OK -> 0;
      case INVALID_ARGUMENT, MALFORMED_FRAME -> EINVAL;
      case PERMISSION_DENIED -> EACCES;
      case NOT_PERMITTED -> EPERM;
      case NO_SPACE -> ENOSPC;
      case TIMEOUT -> ETIMEDOUT;
      case CANCELLED -> EINTR;
      case NOT_IMPLEMENTED, UNKNOWN_METHOD -> EOPNOTSUPP;
      case NOT_FOUND -> ENOENT;
      case EXISTS -> EEXIST;
      case NOT_DIRECTORY -> ENOTDIR;
      case IS_DIRECTORY -> EISDIR;
      case NOT_EMPTY -> ENOTEMPTY;
      case NAME_TOO_LONG -> ENAMETOOLONG;
      case TOO_MANY_SYMLINKS -> ELOOP;
      case CROSS_DEVICE -> EXDEV;
      case NO_SUCH_ATTRIBUTE -> ENODATA;
      case READ_ONLY -> EROFS;
      case TOO_MANY_LINKS -> EMLINK;
      case INTERNAL,
          BUSY,
          DIRECTORY_LEASED,
          UNAVAILABLE,
          CHECKSUM_MISMATCH,
          TRANSACTION_CONFLICT,
          TRANSACTION_TOO_OLD,
          COMMIT_UNKNOWN,
          TRANSACTION_FINISHED,
          TRANSACTION_TOO_LARGE,
          RETRIES_EXHAUSTED,
          ROUTING_VERSION_MISMATCH,
          CHAIN_VERSION_MISMATCH,
          CHUNK_NOT_COMMITTED,
          TARGET_NOT_SERVING,
          NOT_CHAIN_HEAD,
          STALE_UPDATE,
          MISSING_UPDATE,
          NOT_PRIMARY,
          LEASE_LOST ->
          EIO;
    };
  }

  /** A failure that is already an errno (checks done in the daemon itself). */
  public static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public Failure(int errno, String message) {
      super(message, null, false, false);
      this.errno = errno;
    }

    public int errno() {
      return errno;
    }
  }
}
