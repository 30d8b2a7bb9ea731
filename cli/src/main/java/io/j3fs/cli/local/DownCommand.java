package io.j3fs.cli.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j3fs down}: stops what {@code j3fs up} started, in reverse order (the FUSE daemon, which
 * unmounts, then meta, storage, mgmtd), each with SIGTERM so it shuts down cleanly, SIGKILL after
 * 15 s; a mount left behind by a daemon that died is unmounted. Data stays for the next up.
 */
@Command(
    name = "down",
    mixinStandardHelpOptions = true,
    description = "Stop the local cluster that j3fs up started (data is kept).")
public final class DownCommand implements Callable<Integer> {
  @Option(names = "--data", defaultValue = "data", description = "The directory j3fs up used.")
  Path data;

  @Override
  public Integer call() throws Exception {
    Deployment d = new Deployment(data, 0);
    List<String> names = new ArrayList<>(Deployment.names());
    Collections.reverse(names);
    int stopped = 0;
    for (String name : names) {
      if (d.stop(name, 15_000)) {
        System.out.println("stopped " + name);
        stopped++;
      }
    }
    java.util.Optional<Path> mnt = d.mountpoint();
    if (mnt.isPresent() && io.j3fs.fuse.kernel.Mounts.mounted(mnt.get())) {
      io.j3fs.fuse.kernel.Mounts.unmount(mnt.get());
      System.out.println("unmounted " + mnt.get() + " (its daemon had died)");
    }
    System.out.println(
        stopped == 0 ? "nothing was running" : "j3fs is down; data kept in " + d.dir());
    return 0;
  }
}
