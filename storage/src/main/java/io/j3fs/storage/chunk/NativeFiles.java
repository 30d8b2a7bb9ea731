package io.j3fs.storage.chunk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * Raw file descriptors through the FFM API, for the kernel interfaces Java's channels do not reach:
 * a descriptor for page cache hints ({@link PageCacheHints}) and an O_DIRECT one for io_uring reads
 * ({@link IoUring}). Thread-safe: plain system calls.
 */
@SuppressWarnings("restricted") // native calls are this class's purpose; the launcher enables them
final class NativeFiles {
  static final int O_RDONLY = 0;
  static final int O_DIRECT = 040000;
  static final int O_CLOEXEC = 02000000;

  private static final Linker LINKER = Linker.nativeLinker();
  static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

  private static final MethodHandle OPEN =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("open"),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
          ERRNO_OPTION);
  private static final MethodHandle CLOSE =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("close"),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
          ERRNO_OPTION);

  private NativeFiles() {}

  /** The errno a call captured into {@code state} (a segment of {@link #CAPTURE}). */
  static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  /** Opens {@code file} read-only with {@code extraFlags} (and O_CLOEXEC); the descriptor. */
  static int open(Path file, int extraFlags) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int fd =
          (int)
              OPEN.invokeExact(
                  state, arena.allocateFrom(file.toString()), O_RDONLY | O_CLOEXEC | extraFlags);
      if (fd < 0) {
        throw new IOException("cannot open " + file + ": errno " + errno(state));
      }
      return fd;
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("cannot open " + file + ": " + e, e);
    }
  }

  /** Closes {@code fd}; negative descriptors (never opened) are ignored. */
  static void close(int fd) {
    if (fd < 0) {
      return;
    }
    try (Arena arena = Arena.ofConfined()) {
      int ignored = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
    } catch (Throwable e) {
      // nothing more to do with it
    }
  }
}
