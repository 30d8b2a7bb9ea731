package io.j3fs.cli.local;

import io.j3fs.net.Endpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A local cluster that outlives the command that started it ({@code j3fs up}, stopped by {@code
 * j3fs down}): every process runs in its own session ({@code setsid}), so closing the terminal does
 * not stop it, with its config, data and log under one directory and its pid in {@code
 * run/<name>.pid}. Ports are fixed from a base port, so a restart keeps every address.
 *
 * <p>Layout under {@code dir}: {@code mgmtd/} (config, RocksDB), {@code meta/}, {@code
 * storage-<n>/disk0}, {@code fuse/fuse.toml}, {@code logs/<name>.log}, {@code run/<name>.pid},
 * {@code run/mountpoint} (where the FUSE daemon mounts, for {@code down} to clean up after it).
 */
public final class Deployment {
  public static final int STORAGE_NODES = 3;

  private final Path dir;
  private final int basePort;

  public Deployment(Path dir, int basePort) {
    this.dir = dir.toAbsolutePath();
    this.basePort = basePort;
  }

  public Path dir() {
    return dir;
  }

  public Endpoint mgmtd() {
    return Endpoint.loopback(basePort);
  }

  public Endpoint meta() {
    return Endpoint.loopback(basePort + 1);
  }

  public Endpoint storage(int n) {
    return Endpoint.loopback(basePort + 10 + n);
  }

  /** Where a process serves its Prometheus metrics: base + 100 + its port offset. */
  public Endpoint metrics(String name) {
    int offset =
        switch (name) {
          case "mgmtd" -> 0;
          case "meta" -> 1;
          case "fuse" -> 2;
          default -> 10 + Integer.parseInt(name.substring("storage-".length()));
        };
    return Endpoint.loopback(basePort + 100 + offset);
  }

  /** Every process name, in start order. */
  public static List<String> names() {
    List<String> out = new ArrayList<>(List.of("mgmtd"));
    for (int n = 1; n <= STORAGE_NODES; n++) {
      out.add("storage-" + n);
    }
    out.add("meta");
    out.add("fuse");
    return out;
  }

  /** Where the mount point was recorded by {@link #writeFuseConfig}, if anywhere. */
  public Optional<Path> mountpoint() {
    Path file = dir.resolve("run").resolve("mountpoint");
    try {
      return Files.exists(file)
          ? Optional.of(Path.of(Files.readString(file).trim()))
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Writes fuse.toml for a mount at {@code mountpoint} and records the mount point. */
  public void writeFuseConfig(Path mountpoint) throws IOException {
    Path mnt = mountpoint.toAbsolutePath().normalize();
    Files.createDirectories(dir.resolve("fuse"));
    Files.writeString(
        dir.resolve("fuse/fuse.toml"),
        lines(
            "mgmtd = [\"" + mgmtd() + "\"]",
            "mountpoint = \"" + mnt + "\"",
            "metrics_listen = \"" + metrics("fuse") + "\""));
    Files.writeString(dir.resolve("run").resolve("mountpoint"), mnt + "\n");
  }

  public Path log(String name) {
    return dir.resolve("logs").resolve(name + ".log");
  }

  private Path pidFile(String name) {
    return dir.resolve("run").resolve(name + ".pid");
  }

  /** The running process of {@code name}, if its pid file names a live one. */
  public Optional<ProcessHandle> running(String name) {
    Path file = pidFile(name);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      long pid = Long.parseLong(Files.readString(file).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Writes the config files (overwriting: they hold nothing a restart must keep). */
  public void writeConfigs() throws IOException {
    for (String sub : List.of("mgmtd", "meta", "logs", "run")) {
      Files.createDirectories(dir.resolve(sub));
    }
    Files.writeString(
        dir.resolve("mgmtd/mgmtd.toml"),
        lines(
            "node_id = 1",
            "listen = \"" + mgmtd() + "\"",
            // A single local instance: short lease so a restart takes over quickly.
            "lease_length_ms = 10000",
            "extend_interval_ms = 2000",
            "tick_interval_ms = 500",
            "heartbeat_fail_interval_ms = 15000",
            "metrics_listen = \"" + metrics("mgmtd") + "\"",
            "",
            "[kv]",
            "engine = \"rocksdb\"",
            "path = \"" + dir.resolve("mgmtd/kv") + "\""));
    for (int n = 1; n <= STORAGE_NODES; n++) {
      Path node = dir.resolve("storage-" + n);
      Files.createDirectories(node.resolve("disk0"));
      Files.writeString(
          node.resolve("storage.toml"),
          lines(
              "node_id = " + LocalCluster.storageNodeId(n),
              "listen = \"" + storage(n) + "\"",
              "mgmtd = [\"" + mgmtd() + "\"]",
              "target_paths = [\"" + node.resolve("disk0") + "\"]",
              "heartbeat_interval_ms = 2000",
              "refresh_interval_ms = 2000",
              "resync_retry_delay_ms = 2000",
              "metrics_listen = \"" + metrics("storage-" + n) + "\""));
    }
    Files.writeString(
        dir.resolve("meta/meta.toml"),
        lines(
            "node_id = 201",
            "listen = \"" + meta() + "\"",
            "mgmtd = [\"" + mgmtd() + "\"]",
            "heartbeat_interval_ms = 2000",
            "metrics_listen = \"" + metrics("meta") + "\"",
            "",
            "[kv]",
            "engine = \"rocksdb\"",
            "path = \"" + dir.resolve("meta/kv") + "\""));
  }

  private static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  /** The config file of a process. */
  public Path config(String name) {
    return switch (name) {
      case "mgmtd" -> dir.resolve("mgmtd/mgmtd.toml");
      case "meta" -> dir.resolve("meta/meta.toml");
      case "fuse" -> dir.resolve("fuse/fuse.toml");
      default -> dir.resolve(name).resolve("storage.toml");
    };
  }

  /** Starts one process in its own session, unless it runs already; returns its pid. */
  public long start(String name) throws IOException {
    Optional<ProcessHandle> alive = running(name);
    if (alive.isPresent()) {
      return alive.get().pid();
    }
    String service = name.startsWith("storage-") ? "storage" : name;
    List<String> command = new ArrayList<>();
    command.add("setsid");
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("--sun-misc-unsafe-memory-access=allow");
    command.add("-Xmx1g");
    // For profiling a local cluster (e.g. perf's frame pointers): split on white space.
    String extra = System.getenv("J3FS_SERVER_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.trim().split("\\s+")));
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.j3fs.cli.Main");
    command.add(service);
    command.add("--config");
    command.add(config(name).toString());
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    // setsid execs the JVM in place, so the child's pid is the server's.
    Files.writeString(pidFile(name), process.pid() + "\n");
    return process.pid();
  }

  /**
   * Stops one process: SIGTERM (clean shutdown), SIGKILL after {@code graceMs}; returns whether one
   * was running.
   */
  public boolean stop(String name, long graceMs) throws IOException, InterruptedException {
    Optional<ProcessHandle> alive = running(name);
    Files.deleteIfExists(pidFile(name));
    if (alive.isEmpty()) {
      return false;
    }
    ProcessHandle process = alive.get();
    process.destroy();
    try {
      process.onExit().get(graceMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      process.destroyForcibly();
      try {
        process.onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException
          | java.util.concurrent.ExecutionException gone) {
        // SIGKILL cannot be refused; the process is going
      }
    } catch (java.util.concurrent.ExecutionException e) {
      // it is gone either way
    }
    return true;
  }
}
