package io.j3fs.cli.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.mgmtd.GetPrimaryMgmtdReq;
import io.j3fs.proto.mgmtd.GetPrimaryMgmtdRsp;
import io.j3fs.testing.PostgresServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code j3fs mgmtd} processes sharing one PostgreSQL database elect one primary; when the
 * primary is killed (SIGKILL), another takes over within a lease length. Lease 3 s, extended every
 * 0.5 s.
 */
class MgmtdProcessesTest {
  private static final long LEASE_MS = 3_000;

  @TempDir Path dir;

  @Test
  void threeProcessesElectOnePrimaryAndSurviveLosingIt() throws Exception {
    PostgresServer postgres = PostgresServer.shared();
    List<Process> processes = new ArrayList<>();
    List<Endpoint> endpoints = new ArrayList<>();
    try (NettyTransport transport = new NettyTransport();
        RpcClient client = transport.client(ClientOptions.DEFAULT)) {
      for (int node = 1; node <= 3; node++) {
        Endpoint endpoint = Endpoint.loopback(freePort());
        endpoints.add(endpoint);
        Path config = dir.resolve("mgmtd-" + node + ".toml");
        Files.writeString(
            config,
            String.join(
                "\n",
                "node_id = " + node,
                "listen = \"" + endpoint + "\"",
                "lease_length_ms = " + LEASE_MS,
                "extend_interval_ms = 500",
                "tick_interval_ms = 100",
                "",
                "[kv]",
                "engine = \"postgres\"",
                "jdbc_url = \"" + postgres.jdbcUrl() + "\"",
                "user = \"" + postgres.user() + "\"",
                "table = \"mgmtd_processes\"",
                "max_pool_size = 4",
                ""));
        processes.add(
            new ProcessBuilder(
                    ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.j3fs.cli.Main",
                    "mgmtd",
                    "--config",
                    config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mgmtd-" + node + ".log").toFile())
                .start());
      }
      int primary = awaitSinglePrimary(client, endpoints, -1, 30_000);
      assertThat(primary).isBetween(1, 3);

      long killedAt = System.nanoTime();
      processes.get(primary - 1).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      int successor = awaitSinglePrimary(client, endpoints, primary, 30_000);
      long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      System.out.println(
          "mgmtd "
              + successor
              + " took over "
              + takeoverMs
              + " ms after mgmtd "
              + primary
              + " was killed");
      assertThat(successor).isNotEqualTo(primary);
      assertThat(takeoverMs)
          .as("takeover within a lease length plus a tick")
          .isLessThan(LEASE_MS + 2_000);
    } finally {
      for (Process process : processes) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Polls every live instance until exactly one answers as primary and the others name it; returns
   * its node id.
   */
  private static int awaitSinglePrimary(
      RpcClient client, List<Endpoint> endpoints, int dead, long timeoutMs) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      // Every instance answers with the primary it knows; the primary names itself.
      List<Integer> primaries = new ArrayList<>();
      java.util.Set<Long> named = new java.util.HashSet<>();
      int answered = 0;
      for (int node = 1; node <= endpoints.size(); node++) {
        if (node == dead) {
          continue;
        }
        try (RpcReply reply =
            client
                .call(
                    endpoints.get(node - 1),
                    "Mgmtd.GetPrimaryMgmtd",
                    GetPrimaryMgmtdReq.getDefaultInstance(),
                    1_000)
                .get(5, TimeUnit.SECONDS)) {
          long primary = reply.message(GetPrimaryMgmtdRsp.class).getNodeId();
          answered++;
          named.add(primary);
          if (primary == node) {
            primaries.add(node);
          }
        } catch (ExecutionException e) {
          // Not started yet, or knows no primary yet: ask again on the next round.
          if (!(e.getCause() instanceof StatusException status)
              || (status.code() != StatusCode.NOT_PRIMARY
                  && status.code() != StatusCode.UNAVAILABLE)) {
            throw e;
          }
        }
      }
      assertThat(primaries.size()).as("never two primaries").isLessThanOrEqualTo(1);
      int alive = endpoints.size() - (dead > 0 ? 1 : 0);
      if (primaries.size() == 1 && answered == alive && named.size() == 1) {
        return primaries.getFirst();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no single primary within " + timeoutMs + " ms: primaries " + primaries);
      }
      Thread.sleep(50);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
