package io.j3fs.storage.chunk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * A Linux io_uring, through the FFM API, for batches of O_DIRECT reads: the whole batch is queued
 * and submitted with one system call, which also waits for all of it, so a batch of 32 reads costs
 * the disk's time and two context switches instead of a thread hand-off and wake-up per read (3FS
 * reads chunks the same way, with libaio or io_uring).
 *
 * <p>Ring layout and constants are the kernel's ABI ({@code include/uapi/linux/io_uring.h}): the
 * submission queue entries are 64 bytes, completion entries 16, and the rings are shared memory
 * mapped from the ring's descriptor. Memory order: entries are written before the tail is published
 * with a release store, and completions are read after an acquire load of their tail.
 *
 * <p>Thread-safety: {@link #readAll} is synchronized (a ring has one submitter at a time); the
 * caller blocks in the kernel, so it must be a platform thread.
 */
@SuppressWarnings("restricted") // native calls are this class's purpose; the launcher enables them
final class IoUring implements AutoCloseable {
  private static final long SYS_IO_URING_SETUP = 425;
  private static final long SYS_IO_URING_ENTER = 426;
  private static final byte IORING_OP_READ = 22;
  private static final int IORING_ENTER_GETEVENTS = 1;
  private static final int IORING_FEAT_SINGLE_MMAP = 1;
  private static final long IORING_OFF_SQ_RING = 0L;
  private static final long IORING_OFF_CQ_RING = 0x8000000L;
  private static final long IORING_OFF_SQES = 0x10000000L;
  private static final int PROT_READ_WRITE = 3;
  private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;
  private static final int EINTR = 4;
  private static final int EAGAIN = 11;
  private static final int EBUSY = 16;
  private static final int SQE_BYTES = 64;
  private static final int CQE_BYTES = 16;
  private static final int PARAMS_BYTES = 120;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = NativeFiles.CAPTURE;
  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  private static final MethodHandle SETUP =
      downcall(
          "syscall",
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS),
          true);
  private static final MethodHandle ENTER =
      downcall(
          "syscall",
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG),
          true);
  private static final MethodHandle MMAP =
      downcall(
          "mmap",
          FunctionDescriptor.of(
              ValueLayout.ADDRESS,
              ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT,
              ValueLayout.JAVA_LONG),
          false);
  private static final MethodHandle MUNMAP =
      downcall(
          "munmap",
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
          false);

  private static MethodHandle downcall(String name, FunctionDescriptor fd, boolean syscall) {
    Linker.Option errno = Linker.Option.captureCallState("errno");
    Linker.Option[] options =
        syscall
            ? new Linker.Option[] {Linker.Option.firstVariadicArg(1), errno}
            : new Linker.Option[] {errno};
    return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, options);
  }

  private final int ringFd;
  private final int sqEntries;
  private final MemorySegment sqRing;
  private final MemorySegment cqRing;
  private final MemorySegment sqes;
  private final long sqRingBytes;
  private final long cqRingBytes;
  private final boolean singleMmap;
  private final long sqHead;
  private final long sqTail;
  private final int sqMask;
  private final long sqArray;
  private final long cqHead;
  private final long cqTail;
  private final int cqMask;
  private final long cqes;
  private final Arena errnoArena = Arena.ofShared();
  private final MemorySegment errno = errnoArena.allocate(CAPTURE);
  private boolean closed;

  /** A ring with room for {@code entries} reads at once (a power of two). */
  IoUring(int entries) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment params = arena.allocate(PARAMS_BYTES);
      MemorySegment state = arena.allocate(CAPTURE);
      long fd = (long) SETUP.invokeExact(state, SYS_IO_URING_SETUP, entries, params);
      if (fd < 0) {
        throw new IOException("io_uring_setup failed: errno " + NativeFiles.errno(state));
      }
      ringFd = (int) fd;
      sqEntries = params.get(ValueLayout.JAVA_INT, 0);
      int cqEntries = params.get(ValueLayout.JAVA_INT, 4);
      int features = params.get(ValueLayout.JAVA_INT, 20);
      // struct io_sqring_offsets at 40, struct io_cqring_offsets at 80.
      int sqArrayOff = params.get(ValueLayout.JAVA_INT, 64);
      int cqesOff = params.get(ValueLayout.JAVA_INT, 100);
      sqRingBytes = sqArrayOff + 4L * sqEntries;
      cqRingBytes = cqesOff + (long) CQE_BYTES * cqEntries;
      singleMmap = (features & IORING_FEAT_SINGLE_MMAP) != 0;
      try {
        if (singleMmap) {
          long bytes = Math.max(sqRingBytes, cqRingBytes);
          sqRing = map(bytes, IORING_OFF_SQ_RING);
          cqRing = sqRing;
        } else {
          sqRing = map(sqRingBytes, IORING_OFF_SQ_RING);
          cqRing = map(cqRingBytes, IORING_OFF_CQ_RING);
        }
        sqes = map((long) SQE_BYTES * sqEntries, IORING_OFF_SQES);
      } catch (IOException e) {
        NativeFiles.close(ringFd);
        throw e;
      }
      sqHead = params.get(ValueLayout.JAVA_INT, 40);
      sqTail = params.get(ValueLayout.JAVA_INT, 44);
      sqMask = sqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, 48));
      sqArray = sqArrayOff;
      cqHead = params.get(ValueLayout.JAVA_INT, 80);
      cqTail = params.get(ValueLayout.JAVA_INT, 84);
      cqMask = cqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, 88));
      cqes = cqesOff;
    } catch (IOException e) {
      errnoArena.close();
      throw e;
    } catch (Throwable e) {
      errnoArena.close();
      throw new IOException("io_uring unavailable: " + e, e);
    }
  }

  private MemorySegment map(long bytes, long offset) throws IOException {
    try {
      MemorySegment at =
          (MemorySegment)
              MMAP.invokeExact(
                  errno,
                  MemorySegment.NULL,
                  bytes,
                  PROT_READ_WRITE,
                  MAP_SHARED_POPULATE,
                  ringFd,
                  offset);
      if (at.address() == -1L) {
        throw new IOException("mmap of the io_uring failed: errno " + NativeFiles.errno(errno));
      }
      return at.reinterpret(bytes);
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("mmap of the io_uring failed: " + e, e);
    }
  }

  /** Whether rings can be made here (a kernel with io_uring, not disabled by sysctl). */
  static boolean available() {
    try (IoUring probe = new IoUring(2)) {
      return probe.sqEntries > 0;
    } catch (IOException | RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Opens {@code file} read-only with O_DIRECT; the descriptor, or throws. */
  static int openDirect(Path file) throws IOException {
    return NativeFiles.open(file, NativeFiles.O_DIRECT);
  }

  /**
   * Reads {@code lengths[i]} bytes at {@code positions[i]} of descriptor {@code fds[i]} into native
   * memory at {@code addresses[i]}, for i in [0, count), and sets {@code results[i]} to the bytes
   * read or a negative errno. Returns when every read has completed.
   */
  synchronized void readAll(
      int count, int[] fds, long[] positions, long[] addresses, int[] lengths, int[] results)
      throws IOException {
    if (closed) {
      throw new IOException("io_uring closed");
    }
    int next = 0;
    int done = 0;
    while (done < count) {
      int head = (int) INT.getAcquire(sqRing, sqHead);
      int tail = sqRing.get(ValueLayout.JAVA_INT, sqTail);
      while (next < count && tail - head < sqEntries) {
        int index = tail & sqMask;
        MemorySegment sqe = sqes.asSlice((long) index * SQE_BYTES, SQE_BYTES);
        sqe.fill((byte) 0);
        sqe.set(ValueLayout.JAVA_BYTE, 0, IORING_OP_READ);
        sqe.set(ValueLayout.JAVA_INT, 4, fds[next]);
        sqe.set(ValueLayout.JAVA_LONG, 8, positions[next]);
        sqe.set(ValueLayout.JAVA_LONG, 16, addresses[next]);
        sqe.set(ValueLayout.JAVA_INT, 24, lengths[next]);
        sqe.set(ValueLayout.JAVA_LONG, 32, next);
        sqRing.set(ValueLayout.JAVA_INT, sqArray + 4L * index, index);
        tail++;
        next++;
      }
      INT.setRelease(sqRing, sqTail, tail);
      int unsubmitted = tail - (int) INT.getAcquire(sqRing, sqHead);
      int waitFor = next - done;
      long entered;
      try {
        entered =
            (long)
                ENTER.invokeExact(
                    errno,
                    SYS_IO_URING_ENTER,
                    ringFd,
                    unsubmitted,
                    waitFor,
                    IORING_ENTER_GETEVENTS,
                    MemorySegment.NULL,
                    0L);
      } catch (Throwable e) {
        throw new IOException("io_uring_enter failed: " + e, e);
      }
      if (entered < 0) {
        int err = NativeFiles.errno(errno);
        if (err != EINTR && err != EAGAIN && err != EBUSY) {
          throw new IOException("io_uring_enter failed: errno " + err);
        }
      }
      int cqh = cqRing.get(ValueLayout.JAVA_INT, cqHead);
      int cqt = (int) INT.getAcquire(cqRing, cqTail);
      while (cqh != cqt) {
        long cqe = cqes + (long) (cqh & cqMask) * CQE_BYTES;
        int which = (int) cqRing.get(ValueLayout.JAVA_LONG, cqe);
        results[which] = cqRing.get(ValueLayout.JAVA_INT, cqe + 8);
        cqh++;
        done++;
      }
      INT.setRelease(cqRing, cqHead, cqh);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      int ignored = (int) MUNMAP.invokeExact(errno, sqes, sqes.byteSize());
      if (!singleMmap) {
        ignored = (int) MUNMAP.invokeExact(errno, cqRing, cqRing.byteSize());
      }
      ignored = (int) MUNMAP.invokeExact(errno, sqRing, sqRing.byteSize());
    } catch (Throwable e) {
      // the mapping goes with the process
    }
    NativeFiles.close(ringFd);
    errnoArena.close();
  }
}
