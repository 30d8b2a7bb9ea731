package io.j3fs.fuse;

import io.j3fs.client.file.J3fsClient;
import io.j3fs.fuse.kernel.FuseDevice;
import io.j3fs.fuse.kernel.Mounts;
import io.j3fs.fuse.ops.FsContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mounted j3fs: cleans up a stale mount a crashed daemon left at the directory, mounts, answers
 * INIT, sets the mount's read-ahead window, and runs the session until {@link #close()} unmounts.
 */
public final class FuseMount implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FuseMount.class);

  private final Path dir;
  private final FuseSession session;
  private volatile boolean closed;

  private FuseMount(Path dir, FuseSession session) {
    this.dir = dir;
    this.session = session;
  }

  /** Mounts j3fs at {@code dir} (root only), served through {@code client}. */
  public static FuseMount mount(Path dir, FuseConfig config, J3fsClient client) {
    Path target = dir.toAbsolutePath().normalize();
    if (Mounts.mounted(target)) {
      if (answers(target)) {
        throw new IllegalStateException(
            target + " has a live j3fs mount already (another daemon serves it): unmount it first");
      }
      // A daemon that died leaves its mount answering ENOTCONN: take it away first.
      log.warn("{} has a stale j3fs mount (its daemon is gone): unmounting it", target);
      Mounts.unmount(target);
    }
    if (!Files.isDirectory(target)) {
      throw new IllegalArgumentException("mount point " + target + " is not a directory");
    }
    FsContext ctx = new FsContext(client.meta(), client.io(), config);
    FuseDevice device = FuseDevice.open();
    FuseSession session = new FuseSession(ctx, device, config);
    boolean mounted = false;
    try {
      Mounts.mount(
          target,
          device,
          "j3fs:" + String.join(",", config.mgmtd()),
          FuseConfig.MAX_IO_BYTES,
          config.defaultPermissions());
      mounted = true;
      session.init();
      session.start();
    } catch (RuntimeException e) {
      // Only a mount of ours comes off; a failed mount(2) leaves whatever was there alone.
      if (mounted) {
        Mounts.unmount(target);
      }
      session.close(); // closes the device too
      throw e;
    }
    FuseMount mount = new FuseMount(target, session);
    mount.setReadAhead(config.readAheadBytes());
    return mount;
  }

  /** Whether the file system at {@code dir} answers (a stale mount fails with ENOTCONN). */
  private static boolean answers(Path dir) {
    try {
      Files.readAttributes(dir, java.nio.file.attribute.BasicFileAttributes.class);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The kernel reads ahead at most the bdi's window (128 KiB unless set): the mount's own bdi
   * (named by its device number) gets the configured window, so sequential reads keep many 1 MiB
   * requests in flight.
   */
  private void setReadAhead(int bytes) {
    try {
      long dev = ((Number) Files.getAttribute(dir, "unix:dev")).longValue();
      long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
      long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
      Path knob = Path.of("/sys/class/bdi", major + ":" + minor, "read_ahead_kb");
      if (Files.exists(knob)) {
        Files.writeString(knob, Integer.toString(bytes / 1024));
      }
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("could not set the read-ahead window of {}: {}", dir, e.toString());
    }
  }

  public Path dir() {
    return dir;
  }

  public FuseSession session() {
    return session;
  }

  /** Blocks until the file system is unmounted (by {@link #close()} or by someone else). */
  public void awaitUnmounted() throws InterruptedException {
    while (!session.awaitStopped(1_000)) {
      // keep waiting
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // Only while this session still serves the mount: once someone else unmounted it, the
      // directory may already hold another daemon's mount, which must be left alone.
      if (!session.awaitStopped(0)) {
        Mounts.unmount(dir);
      }
    } catch (RuntimeException e) {
      log.warn("unmounting {} failed: {}", dir, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (!session.awaitStopped(10_000)) {
        log.warn("FUSE readers of {} did not stop within 10 s", dir);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    session.close();
  }
}
