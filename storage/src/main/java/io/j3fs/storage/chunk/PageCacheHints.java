package io.j3fs.storage.chunk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the page cache holds of a data file, and hints to it. A range about to be sent with sendfile
 * must be in the cache already: sendfile runs on the network event loop, and a page it has to wait
 * for stalls every connection of that loop for a disk read. {@link #cached} asks the kernel (the
 * cachestat system call, Linux 6.5+); a cold range is then read into a buffer by the handler
 * instead. Where cachestat is missing, {@link #willNeed} (posix_fadvise WILLNEED) at least turns a
 * cold range into one large asynchronous read of exactly that range, instead of sendfile's 64 KiB
 * steps under the default 128 KiB read-ahead, which also reads into the next slot.
 *
 * <p>The hint goes through a second, read-only descriptor of each file ({@link NativeFiles}; the
 * page cache belongs to the file, not the descriptor). A hint that fails is dropped: it only
 * changes how fast bytes arrive, never which.
 *
 * <p>Thread-safety: descriptors are opened lazily under the owner's lock ({@link FileDataStore});
 * hints are plain system calls, safe from any thread.
 */
@SuppressWarnings("restricted") // native calls are this class's purpose; the launcher enables them
final class PageCacheHints {
  private static final Logger log = LoggerFactory.getLogger(PageCacheHints.class);
  private static final int POSIX_FADV_WILLNEED = 3;
  private static final int POSIX_FADV_DONTNEED = 4;

  private static final MethodHandle FADVISE;
  private static final MethodHandle CACHESTAT;
  private static final long SYS_CACHESTAT = 451;
  private static volatile boolean cachestatWorks = true;

  static {
    MethodHandle fadvise = null;
    MethodHandle cachestat = null;
    try {
      Linker linker = Linker.nativeLinker();
      var libc = linker.defaultLookup();
      fadvise =
          linker.downcallHandle(
              libc.findOrThrow("posix_fadvise"),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_INT));
      cachestat =
          linker.downcallHandle(
              libc.findOrThrow("syscall"),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_INT,
                  ValueLayout.ADDRESS,
                  ValueLayout.ADDRESS,
                  ValueLayout.JAVA_INT),
              Linker.Option.firstVariadicArg(1));
    } catch (RuntimeException | LinkageError e) {
      log.info("no page cache hints ({}): cold reads use the kernel's read-ahead", e.toString());
    }
    FADVISE = fadvise;
    CACHESTAT = cachestat;
  }

  private PageCacheHints() {}

  /** Whether hints can be given on this platform. */
  static boolean available() {
    return FADVISE != null;
  }

  /** A read-only descriptor of {@code file} for hints, or -1 (no hints then). */
  static int open(Path file) {
    if (!available()) {
      return -1;
    }
    try {
      return NativeFiles.open(file, 0);
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  static void close(int fd) {
    NativeFiles.close(fd);
  }

  /**
   * Whether every page of [position, position + count) of the file is in the page cache: 1 yes, 0
   * no, -1 unknown (no cachestat on this kernel, or the call failed).
   */
  static int cached(int fd, long position, long count) {
    if (fd < 0 || CACHESTAT == null || !cachestatWorks) {
      return -1;
    }
    try (Arena arena = Arena.ofConfined()) {
      // struct cachestat_range {u64 off, len}; struct cachestat {u64 nr_cache, nr_dirty, ...}
      var range = arena.allocate(16, 8);
      range.set(ValueLayout.JAVA_LONG, 0, position);
      range.set(ValueLayout.JAVA_LONG, 8, count);
      var stat = arena.allocate(40, 8);
      long r = (long) CACHESTAT.invokeExact(SYS_CACHESTAT, fd, range, stat, 0);
      if (r < 0) {
        cachestatWorks = false; // ENOSYS before Linux 6.5: do not ask again
        return -1;
      }
      long pageBytes = 4096;
      long first = position / pageBytes;
      long last = (position + count + pageBytes - 1) / pageBytes;
      return stat.get(ValueLayout.JAVA_LONG, 0) >= last - first ? 1 : 0;
    } catch (Throwable e) {
      return -1;
    }
  }

  /** Starts reading [position, position + count) of the file into the page cache, if it is not. */
  static void willNeed(int fd, long position, long count) {
    advise(fd, position, count, POSIX_FADV_WILLNEED);
  }

  /** Drops the clean cached pages of the range (tests make a range cold with it). */
  static void dontNeed(int fd, long position, long count) {
    advise(fd, position, count, POSIX_FADV_DONTNEED);
  }

  private static void advise(int fd, long position, long count, int advice) {
    if (fd < 0) {
      return;
    }
    try {
      int ignored = (int) FADVISE.invokeExact(fd, position, count, advice);
    } catch (Throwable e) {
      // a hint only
    }
  }
}
