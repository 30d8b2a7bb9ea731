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
 * Tells the kernel which range of a data file is about to be sent, so a read of bytes not in the
 * page cache becomes one large asynchronous read of exactly that range (posix_fadvise WILLNEED),
 * instead of sendfile's 64 KiB steps under the default 128 KiB read-ahead window, which also reads
 * past the chunk into the next slot (often another chunk this replica is not asked for).
 *
 * <p>The hint goes through a second, read-only descriptor of each file, opened here with the C
 * library through the FFM API (the page cache belongs to the file, not the descriptor). A hint that
 * fails is dropped: it only changes how fast bytes arrive, never which.
 *
 * <p>Thread-safety: descriptors are opened lazily under the owner's lock ({@link FileDataStore});
 * hints are plain system calls, safe from any thread.
 */
@SuppressWarnings("restricted") // native calls are this class's purpose; the launcher enables them
final class PageCacheHints {
  private static final Logger log = LoggerFactory.getLogger(PageCacheHints.class);
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 02000000;
  private static final int POSIX_FADV_WILLNEED = 3;

  private static final MethodHandle OPEN;
  private static final MethodHandle CLOSE;
  private static final MethodHandle FADVISE;

  static {
    MethodHandle open = null;
    MethodHandle close = null;
    MethodHandle fadvise = null;
    try {
      Linker linker = Linker.nativeLinker();
      var libc = linker.defaultLookup();
      open =
          linker.downcallHandle(
              libc.findOrThrow("open"),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
      close =
          linker.downcallHandle(
              libc.findOrThrow("close"),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
      fadvise =
          linker.downcallHandle(
              libc.findOrThrow("posix_fadvise"),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_INT,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_LONG,
                  ValueLayout.JAVA_INT));
    } catch (RuntimeException | LinkageError e) {
      log.info("no page cache hints ({}): cold reads use the kernel's read-ahead", e.toString());
    }
    OPEN = open;
    CLOSE = close;
    FADVISE = fadvise;
  }

  private PageCacheHints() {}

  /** Whether hints can be given on this platform. */
  static boolean available() {
    return FADVISE != null;
  }

  /** A read-only descriptor of {@code file} for hints, or -1. */
  static int open(Path file) {
    if (OPEN == null) {
      return -1;
    }
    try (Arena arena = Arena.ofConfined()) {
      return (int) OPEN.invokeExact(arena.allocateFrom(file.toString()), O_RDONLY | O_CLOEXEC);
    } catch (Throwable e) {
      return -1;
    }
  }

  static void close(int fd) {
    if (fd >= 0 && CLOSE != null) {
      try {
        int ignored = (int) CLOSE.invokeExact(fd);
      } catch (Throwable e) {
        // nothing more to do with it
      }
    }
  }

  /** Starts reading [position, position + count) of the file into the page cache, if it is not. */
  static void willNeed(int fd, long position, long count) {
    if (fd < 0) {
      return;
    }
    try {
      int ignored = (int) FADVISE.invokeExact(fd, position, count, POSIX_FADV_WILLNEED);
    } catch (Throwable e) {
      // a hint only
    }
  }
}
