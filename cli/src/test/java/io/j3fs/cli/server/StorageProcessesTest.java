package io.j3fs.cli.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.cli.CliRun;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.client.storage.StorageClient;
import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.mgmtd.ChainSpec;
import io.j3fs.proto.mgmtd.SetChainsReq;
import io.j3fs.proto.mgmtd.SetChainsRsp;
import io.j3fs.proto.mgmtd.TargetSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes on loopback: one {@code j3fs mgmtd} and three {@code j3fs storage} nodes with a
 * 3-replica chain. Data written through the storage client survives killing (SIGKILL) a storage
 * process, and the restarted process resyncs its target back to serving.
 */
class StorageProcessesTest {
  private static final int CHUNK_SIZE = 1 << 20;
  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final Map<Integer, Process> storage = new HashMap<>();

  private Process start(String name, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.j3fs.cli.Main");
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()))
            .start();
    processes.add(process);
    return process;
  }

  private Process startStorage(int n, Endpoint mgmtd, int port) throws Exception {
    Path config = dir.resolve("storage-" + n + ".toml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "node_id = " + (100 + n),
            "listen = \"127.0.0.1:" + port + "\"",
            "mgmtd = [\"" + mgmtd + "\"]",
            "target_paths = [\"" + dir.resolve("disk-" + n) + "\"]",
            "heartbeat_interval_ms = 200",
            "refresh_interval_ms = 300",
            "resync_retry_delay_ms = 300",
            "rpc_timeout_ms = 2000",
            "forward_timeout_ms = 20000",
            ""));
    Process process = start("storage-" + n, "storage", "--config", config.toString());
    storage.put(n, process);
    return process;
  }

  @Test
  void dataSurvivesKillingAStorageProcessWhichThenResyncs() throws Exception {
    Endpoint mgmtd = Endpoint.loopback(freePort());
    Path mgmtdConfig = dir.resolve("mgmtd.toml");
    Files.writeString(
        mgmtdConfig,
        String.join(
            "\n",
            "node_id = 1",
            "listen = \"" + mgmtd + "\"",
            "lease_length_ms = 10000",
            "extend_interval_ms = 1000",
            "tick_interval_ms = 100",
            "heartbeat_fail_interval_ms = 1500",
            "",
            "[kv]",
            "engine = \"memory\"",
            ""));
    int[] ports = {0, freePort(), freePort(), freePort()};
    try (NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT)) {
      start("mgmtd", "mgmtd", "--config", mgmtdConfig.toString());
      for (int n = 1; n <= 3; n++) {
        startStorage(n, mgmtd, ports[n]);
      }
      MgmtdClient mgmtdClient =
          new MgmtdClient(rpc, new MgmtdClient.Config(List.of(mgmtd), 2_000, 50, 100, 500));
      await(
          "three storage nodes registered",
          () -> mgmtdClient.refreshRouting().nodesOfType(NodeType.STORAGE).size() == 3);
      ChainSpec.Builder chain = ChainSpec.newBuilder().setChainId(1);
      for (int n = 1; n <= 3; n++) {
        chain.addTargets(
            TargetSpec.newBuilder().setTargetId((100 + n) * 100 + 1).setNodeId(100 + n));
      }
      mgmtdClient.call(
          "Mgmtd.SetChains",
          SetChainsReq.newBuilder().addChains(chain).build(),
          SetChainsRsp.class);
      await(
          "every target up to date",
          () ->
              mgmtdClient.refreshRouting().targets().values().stream()
                      .filter(t -> t.localState() == LocalState.UP_TO_DATE)
                      .count()
                  == 3);

      StorageClient client =
          new StorageClient(
              rpc, mgmtdClient, "test", new StorageClient.Config(2_000, 30_000, 10, 200));
      Random random = new Random(42);
      List<byte[]> written = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        byte[] data = new byte[256 * 1024 + i];
        random.nextBytes(data);
        client.write(ChainId.of(1), ChunkId.of(7, i), 0, Unpooled.wrappedBuffer(data), CHUNK_SIZE);
        written.add(data);
      }
      assertReadBack(client, written);

      storage.get(2).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      await(
          "the killed node's target leaves the chain",
          () -> {
            RoutingInfo.Chain c = mgmtdClient.refreshRouting().chains().get(ChainId.of(1));
            return c.members().getLast().target().value() == 10201
                && c.members().getLast().state() == PublicState.OFFLINE;
          });
      assertReadBack(client, written);
      for (int i = 16; i < 24; i++) {
        byte[] data = new byte[100_000];
        random.nextBytes(data);
        client.write(ChainId.of(1), ChunkId.of(7, i), 0, Unpooled.wrappedBuffer(data), CHUNK_SIZE);
        written.add(data);
      }

      startStorage(2, mgmtd, ports[2]);
      await(
          "the restarted node resyncs to serving",
          () ->
              mgmtdClient.refreshRouting().chains().get(ChainId.of(1)).members().stream()
                  .allMatch(m -> m.state() == PublicState.SERVING));
      // Reads spread over all three replicas, the resynced one included.
      for (int round = 0; round < 4; round++) {
        assertReadBack(client, written);
      }
      CliRun targets = CliRun.run("admin", "list-targets", "--mgmtd", mgmtd.toString());
      assertThat(targets.out()).contains("10201").doesNotContain("OFFLINE");
    } finally {
      for (Process process : processes) {
        process.destroy();
      }
      for (Process process : processes) {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static void assertReadBack(StorageClient client, List<byte[]> written) {
    for (int i = 0; i < written.size(); i++) {
      ByteBuf buf = client.read(ChainId.of(1), ChunkId.of(7, i), 0, CHUNK_SIZE);
      byte[] got = new byte[buf.readableBytes()];
      buf.readBytes(got);
      buf.release();
      assertThat(got).as("chunk %d", i).isEqualTo(written.get(i));
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
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
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
