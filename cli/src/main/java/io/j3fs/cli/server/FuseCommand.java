package io.j3fs.cli.server;

import io.j3fs.client.file.J3fsClient;
import io.j3fs.common.config.TomlConfig;
import io.j3fs.fuse.FuseConfig;
import io.j3fs.fuse.FuseMount;
import io.j3fs.proto.meta.UserInfo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j3fs fuse --config fuse.toml --mountpoint DIR}: mounts j3fs at DIR and serves it until
 * SIGTERM or SIGINT (then unmounts) or until someone unmounts it.
 */
@Command(
    name = "fuse",
    mixinStandardHelpOptions = true,
    description = "Mount j3fs with FUSE (as root) and serve it until stopped.")
public final class FuseCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      required = true,
      description = "The fuse TOML file (see docs/configuration.md).")
  Path config;

  @Option(names = "--mountpoint", description = "Where to mount (overrides the config's).")
  Path mountpoint;

  @Override
  @SuppressWarnings("try") // the metrics endpoint is held open for the process's life, not used
  public Integer call() throws Exception {
    FuseConfig settings = TomlConfig.load(config, FuseConfig.class); // a bad key: one line, exit 1
    Path dir =
        mountpoint != null
            ? mountpoint
            : settings.mountpoint() != null ? Path.of(settings.mountpoint()) : null;
    if (dir == null) {
      System.err.println("j3fs fuse: no mount point: give --mountpoint or set mountpoint");
      return 2;
    }
    // The daemon acts as root towards the metadata service only for its own calls; every FUSE
    // request carries the caller's uid, gid and groups.
    try (ShutdownSignal signal = new ShutdownSignal("fuse");
        MetricsEndpoint metrics = MetricsEndpoint.start(settings.metricsListen());
        J3fsClient client =
            J3fsClient.connect(
                settings.mgmtdEndpoints(),
                UserInfo.newBuilder().setUid(0).setGid(0).build(),
                settings.token());
        FuseMount mount = FuseMount.mount(dir, settings, client)) {
      System.out.println("j3fs mounted at " + mount.dir());
      System.out.flush();
      Thread waiter =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try {
                      mount.awaitUnmounted();
                    } catch (InterruptedException ignored) {
                      // exiting
                    }
                  });
      while (waiter.isAlive() && !signal.awaitFor(500)) {
        // until a signal or an unmount from outside
      }
      System.out.println("j3fs unmounting " + mount.dir());
    }
    return 0;
  }
}
