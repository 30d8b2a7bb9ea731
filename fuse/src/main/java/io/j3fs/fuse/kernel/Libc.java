package io.j3fs.fuse.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library calls the FUSE daemon needs, through the FFM API, each returning its result and the
 * errno it left (captured right after the call, so no other call can overwrite it).
 *
 * <p>Thread-safe: every call allocates its errno slot in the caller's arena. Blocking calls (read
 * on /dev/fuse) must run on platform threads: a native call pins a virtual thread's carrier.
 */
@SuppressWarnings("restricted") // native calls are this class's purpose; the launcher enables them
public final class Libc {
  public static final int O_RDWR = 02;
  public static final int O_CLOEXEC = 02000000;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final int MNT_DETACH = 2;

  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EINTR = 4;
  public static final int EAGAIN = 11;
  public static final int EBUSY = 16;
  public static final int EINVAL = 22;
  public static final int ENODEV = 19;

  /** What a call returned, and errno when it failed (result -1). */
  public record Result(long value, int errno) {
    public boolean failed() {
      return value < 0;
    }
  }

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

  private static final MethodHandle OPEN =
      downcall(
          "open",
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle READ =
      downcall(
          "read",
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG));
  private static final MethodHandle WRITEV =
      downcall(
          "writev",
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_INT));
  private static final MethodHandle IOCTL =
      downcall(
          "ioctl",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_LONG,
              ValueLayout.ADDRESS));
  private static final MethodHandle MOUNT =
      downcall(
          "mount",
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.ADDRESS,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG,
              ValueLayout.ADDRESS));
  private static final MethodHandle UMOUNT2 =
      downcall(
          "umount2",
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle STRERROR =
      LINKER.downcallHandle(
          LIBC.find("strerror").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

  private Libc() {}

  private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol =
        LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
    return LINKER.downcallHandle(symbol, descriptor, ERRNO_OPTION);
  }

  private static Result result(long value, MemorySegment state) {
    return new Result(value, value < 0 ? (int) ERRNO.get(state, 0L) : 0);
  }

  public static Result open(String path, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags);
      return result(fd, state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result close(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r = (int) CLOSE.invokeExact(state, fd);
      return result(r, state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** read(2) into {@code buffer} (native memory); {@code state} is a reusable capture slot. */
  public static Result read(int fd, MemorySegment buffer, MemorySegment state) {
    try {
      long n = (long) READ.invokeExact(state, fd, buffer, buffer.byteSize());
      return result(n, state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A capture slot for {@link #read} and {@link #writev}, allocated in {@code arena}. */
  public static MemorySegment newCaptureState(Arena arena) {
    return arena.allocate(CAPTURE);
  }

  /** writev(2) of {@code count} iovecs at {@code iov} (16 bytes each: base, length). */
  public static Result writev(int fd, MemorySegment iov, int count, MemorySegment state) {
    try {
      long n = (long) WRITEV.invokeExact(state, fd, iov, count);
      return result(n, state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** ioctl(2) with a pointer argument. */
  public static Result ioctl(int fd, long request, MemorySegment arg) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r = (int) IOCTL.invokeExact(state, fd, request, arg);
      return result(r, state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result mount(String source, String target, String type, long flags, String data) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r =
          (int)
              MOUNT.invokeExact(
                  state,
                  arena.allocateFrom(source),
                  arena.allocateFrom(target),
                  arena.allocateFrom(type),
                  flags,
                  arena.allocateFrom(data));
      return result(r, state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static Result umount2(String target, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int r = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target), flags);
      return result(r, state);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The C library's text for an errno ("No such device"). */
  public static String strerror(int errno) {
    try {
      MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
      return text.reinterpret(256).getString(0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("native call failed", t);
  }
}
