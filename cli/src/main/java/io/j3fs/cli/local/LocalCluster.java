package io.j3fs.cli.local;

import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.proto.mgmtd.ChainSpec;
import io.j3fs.proto.mgmtd.SetChainsReq;
import io.j3fs.proto.mgmtd.SetChainsRsp;
import io.j3fs.proto.mgmtd.TargetSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A cluster of real processes on this machine: one {@code j3fs mgmtd} (memory KV) and storage nodes
 * {@code 101, 102, ...}, each with one disk directory under {@code dir}, all on loopback ports.
 * Used by the process tests and the storage benchmark; the seed of {@code j3fs up}.
 *
 * <p>Processes run this JVM's java with this JVM's class path, logging to {@code dir/<name>.log}.
 * {@link #close()} stops them (SIGTERM, then SIGKILL after 15 s).
 */
public final class LocalCluster implements AutoCloseable {
  /**
   * @param heartbeatIntervalMs storage heartbeat and routing refresh period
   * @param heartbeatFailIntervalMs silence after which mgmtd fails a node
   * @param javaOptions extra JVM options for the server processes; {@code {name}} is replaced by
   *     the process name (for per-process flight recordings)
   * @param storageSettings extra lines for every storage.toml (e.g. {@code direct_reads = true})
   */
  public record Options(
      Path dir,
      int storageNodes,
      long heartbeatIntervalMs,
      long heartbeatFailIntervalMs,
      List<String> javaOptions,
      List<String> storageSettings) {
    public Options(
        Path dir,
        int storageNodes,
        long heartbeatIntervalMs,
        long heartbeatFailIntervalMs,
        List<String> javaOptions) {
      this(dir, storageNodes, heartbeatIntervalMs, heartbeatFailIntervalMs, javaOptions, List.of());
    }
  }

  private final Options options;
  private final Endpoint mgmtd;
  private final Map<Integer, Integer> storagePorts = new TreeMap<>();
  private final Map<String, Process> processes = new TreeMap<>();

  private LocalCluster(Options options) throws IOException {
    this.options = options;
    this.mgmtd = Endpoint.loopback(freePort());
  }

  /** Starts mgmtd and every storage node; returns once they are launched (not yet registered). */
  public static LocalCluster start(Options options) throws IOException {
    LocalCluster cluster = new LocalCluster(options);
    try {
      Files.createDirectories(options.dir());
      Path config = options.dir().resolve("mgmtd.toml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "node_id = 1",
              "listen = \"" + cluster.mgmtd + "\"",
              "lease_length_ms = 10000",
              "extend_interval_ms = 1000",
              "tick_interval_ms = 100",
              "heartbeat_fail_interval_ms = " + options.heartbeatFailIntervalMs(),
              "",
              "[kv]",
              "engine = \"memory\"",
              ""));
      cluster.launch("mgmtd", "mgmtd", "--config", config.toString());
      for (int n = 1; n <= options.storageNodes(); n++) {
        cluster.storagePorts.put(n, freePort());
        cluster.startStorage(n);
      }
      return cluster;
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public Endpoint mgmtd() {
    return mgmtd;
  }

  /** The node id of storage node n (1-based). */
  public static long storageNodeId(int n) {
    return 100L + n;
  }

  /** The target of storage node n in chain c: node id * 100 + c. */
  public static long target(int n, int chain) {
    return storageNodeId(n) * 100 + chain;
  }

  /** Starts (or restarts) storage node n with what its disk holds. */
  public void startStorage(int n) throws IOException {
    Path config = options.dir().resolve("storage-" + n + ".toml");
    List<String> lines = new java.util.ArrayList<>();
    lines.addAll(
        List.of(
            "node_id = " + storageNodeId(n),
            "listen = \"127.0.0.1:" + storagePorts.get(n) + "\"",
            "mgmtd = [\"" + mgmtd + "\"]",
            "target_paths = [\"" + options.dir().resolve("disk-" + n) + "\"]",
            "heartbeat_interval_ms = " + options.heartbeatIntervalMs(),
            "refresh_interval_ms = " + options.heartbeatIntervalMs(),
            "resync_retry_delay_ms = " + options.heartbeatIntervalMs(),
            "rpc_timeout_ms = 2000",
            "forward_timeout_ms = 20000"));
    lines.addAll(options.storageSettings());
    lines.add("");
    Files.writeString(config, String.join("\n", lines));
    launch("storage-" + n, "storage", "--config", config.toString());
  }

  /** Kills a process by name ("meta-201", "storage-2"; SIGKILL): no clean shutdown. */
  public void kill(String name) throws InterruptedException {
    Process process = processes.remove(name);
    if (process != null) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Kills storage node n (SIGKILL): no clean shutdown. */
  public void killStorage(int n) throws InterruptedException {
    Process process = processes.remove("storage-" + n);
    if (process != null) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Waits for every storage node to register, creates chains 1..chains with one target on every
   * node (all serving), and waits until every target is up to date.
   */
  public void createChains(RpcClient rpc, int chains) throws InterruptedException {
    MgmtdClient client = mgmtdClient(rpc);
    await(
        "storage nodes registered",
        () ->
            client.refreshRouting().nodesOfType(NodeType.STORAGE).size() == options.storageNodes());
    SetChainsReq.Builder request = SetChainsReq.newBuilder();
    for (int c = 1; c <= chains; c++) {
      ChainSpec.Builder chain = ChainSpec.newBuilder().setChainId(c);
      for (int n = 1; n <= options.storageNodes(); n++) {
        chain.addTargets(
            TargetSpec.newBuilder().setTargetId(target(n, c)).setNodeId(storageNodeId(n)));
      }
      request.addChains(chain);
    }
    client.call("Mgmtd.SetChains", request.build(), SetChainsRsp.class);
    long targets = (long) chains * options.storageNodes();
    await(
        "every target up to date",
        () ->
            client.refreshRouting().targets().values().stream()
                    .filter(t -> t.localState() == LocalState.UP_TO_DATE)
                    .count()
                == targets);
  }

  /** Makes chain table {@code tableId} list chains 1..chains (what new files take chains from). */
  public void createChainTable(RpcClient rpc, int tableId, int chains) {
    io.j3fs.proto.mgmtd.SetChainTableReq.Builder request =
        io.j3fs.proto.mgmtd.SetChainTableReq.newBuilder().setTableId(tableId);
    for (int c = 1; c <= chains; c++) {
      request.addChainIds(c);
    }
    mgmtdClient(rpc)
        .call("Mgmtd.SetChainTable", request.build(), io.j3fs.proto.mgmtd.SetChainTableRsp.class);
  }

  /**
   * Starts a metadata server (RocksDB under the cluster's directory) and returns its address; the
   * caller waits for it to answer.
   */
  public Endpoint startMeta(long nodeId) throws IOException {
    return startMeta(
        nodeId,
        List.of(
            "engine = \"rocksdb\"",
            "path = \"" + options.dir().resolve("meta-" + nodeId + "-kv") + "\""));
  }

  /** A metadata server on the given {@code [kv]} table lines (PostgreSQL to share one store). */
  public Endpoint startMeta(long nodeId, List<String> kvLines) throws IOException {
    Endpoint endpoint = Endpoint.loopback(freePort());
    Path config = options.dir().resolve("meta-" + nodeId + ".toml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "node_id = " + nodeId,
            "listen = \"" + endpoint + "\"",
            "mgmtd = [\"" + mgmtd + "\"]",
            "heartbeat_interval_ms = " + options.heartbeatIntervalMs(),
            "gc_interval_ms = 200",
            "",
            "[kv]",
            String.join("\n", kvLines),
            ""));
    launch("meta-" + nodeId, "meta", "--config", config.toString());
    return endpoint;
  }

  /**
   * A FUSE daemon ({@code j3fs fuse}, process name {@code name}) mounting the cluster at {@code
   * mountpoint}, with extra fuse.toml lines; returns once the mount is up (root only).
   */
  public void startFuse(String name, Path mountpoint, List<String> settings)
      throws IOException, InterruptedException {
    Path config = options.dir().resolve(name + ".toml");
    List<String> lines = new ArrayList<>();
    lines.add("mgmtd = [\"" + mgmtd + "\"]");
    lines.addAll(settings);
    lines.add("");
    Files.writeString(config, String.join("\n", lines));
    if (!io.j3fs.fuse.kernel.Mounts.mounted(mountpoint)) {
      Files.createDirectories(mountpoint); // a stale mount's directory exists but cannot be seen
    }
    launch(name, "fuse", "--config", config.toString(), "--mountpoint", mountpoint.toString());
    Process process = processes.get(name);
    await(
        "the FUSE mount at " + mountpoint,
        () -> {
          if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited; see " + name + ".log");
          }
          // mounted and answering (a stale mount is listed too, but fails every stat)
          return io.j3fs.fuse.kernel.Mounts.mounted(mountpoint) && Files.isDirectory(mountpoint);
        });
  }

  /** Sends SIGINT (Ctrl-C) to a process by name and waits for it to exit. */
  public void interrupt(String name) throws IOException, InterruptedException {
    Process process = processes.remove(name);
    if (process != null) {
      new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Stops a process by name with SIGTERM (its clean shutdown) and waits for it to exit. */
  public void stop(String name) throws InterruptedException {
    Process process = processes.remove(name);
    if (process != null) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The usual file-system set-up: {@code chains} chains in chain table 1, metadata server 201, and
   * a wait until it is registered and the table published; returns a mgmtd client over {@code rpc}.
   */
  public MgmtdClient startFileSystem(RpcClient rpc, int chains)
      throws IOException, InterruptedException {
    createChains(rpc, chains);
    createChainTable(rpc, 1, chains);
    startMeta(201);
    MgmtdClient mgmtd = mgmtdClient(rpc);
    await(
        "meta registered and the chain table published",
        () ->
            !mgmtd.refreshRouting().nodesOfType(NodeType.META).isEmpty()
                && mgmtd.routing().chainTables().containsKey(1));
    return mgmtd;
  }

  /** A mgmtd client for this cluster over {@code rpc}. */
  public MgmtdClient mgmtdClient(RpcClient rpc) {
    return new MgmtdClient(rpc, new MgmtdClient.Config(List.of(mgmtd), 2_000, 50, 100, 500));
  }

  /** Polls {@code condition} (failures count as not yet) for up to 60 s. */
  public static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after 60 s waiting for: " + what);
      }
      Thread.sleep(100);
    }
  }

  private void launch(String name, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("--sun-misc-unsafe-memory-access=allow");
    for (String option : options.javaOptions()) {
      command.add(option.replace("{name}", name));
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.j3fs.cli.Main");
    command.addAll(List.of(args));
    processes.put(
        name,
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(options.dir().resolve(name + ".log").toFile()))
            .start());
  }

  /**
   * A port free now, below Linux's ephemeral range (32768-60999): a port picked from that range can
   * be taken by an outgoing connection before the server process binds it.
   */
  private static int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port found in 20000-31999");
  }

  /** Stops every process: SIGTERM (clean shutdown), then SIGKILL for any left after 15 s. */
  @Override
  public void close() {
    for (Process process : processes.values()) {
      process.destroy();
    }
    for (Process process : processes.values()) {
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
  }
}
