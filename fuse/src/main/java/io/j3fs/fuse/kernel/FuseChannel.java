package io.j3fs.fuse.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One connection to the kernel's FUSE device: requests in, replies out. The real one is a /dev/fuse
 * descriptor ({@link FuseDevice}); tests use an in-memory one to feed any bytes they like.
 *
 * <p>Threads: {@link #read} blocks and is called by one thread per channel; {@link #reply} may be
 * called by any thread, concurrently.
 */
public interface FuseChannel extends AutoCloseable {
  /**
   * Reads one request into {@code buffer} (native memory, at least 1 MiB + 4 KiB); returns its
   * length, or -1 once the file system is unmounted.
   */
  int read(MemorySegment buffer);

  /**
   * Writes one reply, the concatenation of {@code parts}, in one call, with any scratch memory it
   * needs taken from {@code scratch} (the caller's arena for this reply). A reply to a request the
   * kernel no longer waits for (interrupted, or the connection aborted) is dropped quietly.
   */
  void reply(Arena scratch, MemorySegment... parts);

  /** Another channel to the same connection with its own request queue (FUSE_DEV_IOC_CLONE). */
  FuseChannel cloneChannel();

  @Override
  void close();
}
