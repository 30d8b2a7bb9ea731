package io.j3fs.fuse.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A /dev/fuse descriptor. {@link #read} pins its thread in read(2), so the session reads on
 * platform threads, one per cloned descriptor; {@link #reply} is one writev(2) per reply, as the
 * kernel requires (a reply split across calls is refused).
 */
public final class FuseDevice implements FuseChannel {
  /** _IOR(229, 0, uint32_t): bind a new descriptor to an existing connection. */
  static final long FUSE_DEV_IOC_CLONE = 0x8004E500L;

  private final int fd;
  private volatile boolean closed;

  private FuseDevice(int fd) {
    this.fd = fd;
  }

  /** Opens /dev/fuse (root is needed to mount with it). */
  public static FuseDevice open() {
    Libc.Result r = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC);
    if (r.failed()) {
      throw new UncheckedIOException(
          new IOException("cannot open /dev/fuse: " + Libc.strerror(r.errno())));
    }
    return new FuseDevice((int) r.value());
  }

  public int fd() {
    return fd;
  }

  @Override
  public int read(MemorySegment buffer) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.newCaptureState(arena);
      while (true) {
        if (closed) {
          return -1; // the descriptor number may already belong to another file
        }
        Libc.Result r = Libc.read(fd, buffer, state);
        if (!r.failed()) {
          return (int) r.value();
        }
        switch (r.errno()) {
          case Libc.EINTR, Libc.EAGAIN -> {}
          // The request was interrupted between being queued and being read: read the next one.
          case Libc.ENOENT -> {}
          case Libc.ENODEV -> {
            return -1; // unmounted
          }
          default -> {
            if (closed) {
              return -1;
            }
            throw new UncheckedIOException(
                new IOException("reading /dev/fuse failed: " + Libc.strerror(r.errno())));
          }
        }
      }
    }
  }

  @Override
  public void reply(Arena scratch, MemorySegment... parts) {
    MemorySegment iov = scratch.allocate(16L * parts.length, 8);
    for (int i = 0; i < parts.length; i++) {
      iov.set(ValueLayout.ADDRESS, 16L * i, parts[i]);
      iov.set(ValueLayout.JAVA_LONG, 16L * i + 8, parts[i].byteSize());
    }
    MemorySegment state = Libc.newCaptureState(scratch);
    while (true) {
      Libc.Result r = Libc.writev(fd, iov, parts.length, state);
      if (!r.failed()) {
        return;
      }
      if (r.errno() == Libc.EINTR) {
        continue;
      }
      // ENOENT: the request was interrupted and is gone; ENODEV: unmounted. Either way nobody
      // waits for this reply. Anything else is a malformed reply, a bug worth seeing.
      if (r.errno() != Libc.ENOENT && r.errno() != Libc.ENODEV && !closed) {
        throw new UncheckedIOException(
            new IOException("writing a FUSE reply failed: " + Libc.strerror(r.errno())));
      }
      return;
    }
  }

  @Override
  public FuseDevice cloneChannel() {
    FuseDevice clone = open();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment master = arena.allocate(ValueLayout.JAVA_INT);
      master.set(ValueLayout.JAVA_INT, 0, fd);
      Libc.Result r = Libc.ioctl(clone.fd, FUSE_DEV_IOC_CLONE, master);
      if (r.failed()) {
        clone.close();
        throw new UncheckedIOException(
            new IOException("FUSE_DEV_IOC_CLONE failed: " + Libc.strerror(r.errno())));
      }
    }
    return clone;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Libc.close(fd);
    }
  }
}
