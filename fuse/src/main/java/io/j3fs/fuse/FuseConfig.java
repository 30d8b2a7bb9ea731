package io.j3fs.fuse;

import io.j3fs.net.Endpoint;
import java.util.List;

/**
 * The FUSE daemon's TOML file ({@code j3fs fuse --config fuse.toml --mountpoint DIR}).
 *
 * @param mgmtd every mgmtd address (required)
 * @param mountpoint where to mount (the command line's --mountpoint wins; one of them is required)
 * @param threads platform threads reading requests, each on its own cloned /dev/fuse descriptor
 *     (default 8; up to half of them may be waiting for a commit, see directMetaTimeoutMs; with
 *     one, mutations always go to handler threads)
 * @param activeReaders readers reading from the kernel at once, at most; the others wait until one
 *     of these blocks on the metadata service (default: the number of CPUs, at most threads). More
 *     readers than CPUs in read(2) cost a thread wake-up per request: each request goes to a
 *     sleeping reader instead of the next free one
 * @param maxInFlight requests being handled at once, at most; readers wait beyond it (default 256)
 * @param maxBackground asynchronous requests (reads ahead, async direct I/O) the kernel keeps
 *     outstanding (default 128)
 * @param attrTimeoutMs how long the kernel may cache attributes (default 30000)
 * @param entryTimeoutMs how long the kernel may cache a name's lookup (default 30000)
 * @param negativeTimeoutMs how long the kernel may remember a name is absent (default 5000)
 * @param directMetaTimeoutMs how long a reader thread waits for the metadata service when it
 *     answers a lookup, getattr, read-only open, create, mkdir, unlink or rmdir itself over its own
 *     connection; past it (or on any failure) the request goes to a handler thread and the ordinary
 *     client (default 1000; 0: readers never call the metadata service themselves)
 * @param writeBufferBytes bytes buffered per open file before they are sent (default 4194304)
 * @param readAheadBytes the kernel's read-ahead window for the mount (default 16777216)
 * @param writebackCache let the kernel cache writes and send them in the background (default false)
 * @param defaultPermissions let the kernel check permissions from the mode bits before asking
 *     (default true; without it, stat-ahead and unlink-behind are off)
 * @param unlinkBehind after a run of unlinks in one directory, take its lease and answer the next
 *     unlinks there before the metadata service applies them, a batch at a time (default true)
 * @param unlinkBehindLingerMs how long the first unlink of a batch waits for more (default 1)
 * @param createBehind in a directory taken so (after a run of unlinks or creates there), answer
 *     creates of new files before the metadata service applies them, a batch at a time, under inode
 *     ids given to this mount (default true; needs unlink_behind)
 * @param token shared secret of the cluster (default none)
 * @param metricsListen {@code host:port} to serve Prometheus metrics on at /metrics (default: off)
 */
public record FuseConfig(
    List<String> mgmtd,
    String mountpoint,
    Integer threads,
    Integer activeReaders,
    Integer maxInFlight,
    Integer maxBackground,
    Long attrTimeoutMs,
    Long entryTimeoutMs,
    Long negativeTimeoutMs,
    Long directMetaTimeoutMs,
    Integer writeBufferBytes,
    Integer readAheadBytes,
    Boolean writebackCache,
    Boolean defaultPermissions,
    Boolean unlinkBehind,
    Long unlinkBehindLingerMs,
    Boolean createBehind,
    String token,
    String metricsListen) {
  /** The largest read and write the kernel sends in one request (and the read buffer's payload). */
  public static final int MAX_IO_BYTES = 1 << 20;

  public FuseConfig {
    if (mgmtd == null || mgmtd.isEmpty()) {
      throw new IllegalArgumentException("mgmtd is required: a list of host:port addresses");
    }
    mgmtd.forEach(Endpoint::parse);
    threads = range("threads", threads, 8, 1, 64);
    activeReaders =
        range(
            "active_readers",
            activeReaders,
            Math.min(threads, Runtime.getRuntime().availableProcessors()),
            1,
            threads);
    maxInFlight = range("max_in_flight", maxInFlight, 256, 1, 65_536);
    maxBackground = range("max_background", maxBackground, 128, 1, 65_535);
    attrTimeoutMs = nonNegative("attr_timeout_ms", attrTimeoutMs, 30_000);
    entryTimeoutMs = nonNegative("entry_timeout_ms", entryTimeoutMs, 30_000);
    negativeTimeoutMs = nonNegative("negative_timeout_ms", negativeTimeoutMs, 5_000);
    directMetaTimeoutMs = nonNegative("direct_meta_timeout_ms", directMetaTimeoutMs, 1_000);
    writeBufferBytes = range("write_buffer_bytes", writeBufferBytes, 4 << 20, 4096, 64 << 20);
    readAheadBytes = range("read_ahead_bytes", readAheadBytes, 16 << 20, 0, 1 << 30);
    writebackCache = writebackCache != null && writebackCache;
    defaultPermissions = defaultPermissions == null || defaultPermissions;
    unlinkBehind = unlinkBehind == null || unlinkBehind;
    unlinkBehindLingerMs = nonNegative("unlink_behind_linger_ms", unlinkBehindLingerMs, 1);
    if (unlinkBehindLingerMs > 1_000) {
      throw new IllegalArgumentException(
          "unlink_behind_linger_ms must be at most 1000, not " + unlinkBehindLingerMs);
    }
    createBehind = createBehind == null || createBehind;
    token = token == null ? "" : token;
    if (metricsListen != null && !metricsListen.isBlank()) {
      try {
        Endpoint.parse(metricsListen);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("metrics_listen: " + e.getMessage());
      }
    }
  }

  /** A config with every default, for these mgmtd addresses. */
  public static FuseConfig of(List<String> mgmtd) {
    return new FuseConfig(
        mgmtd, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null);
  }

  public List<Endpoint> mgmtdEndpoints() {
    return mgmtd.stream().map(Endpoint::parse).toList();
  }

  private static int range(String key, Integer value, int fallback, int min, int max) {
    int v = value == null ? fallback : value;
    if (v < min || v > max) {
      throw new IllegalArgumentException(
          key + " must be between " + min + " and " + max + ", not " + v);
    }
    return v;
  }

  private static long nonNegative(String key, Long value, long fallback) {
    long v = value == null ? fallback : value;
    if (v < 0) {
      throw new IllegalArgumentException(key + " must not be negative, not " + v);
    }
    return v;
  }
}
