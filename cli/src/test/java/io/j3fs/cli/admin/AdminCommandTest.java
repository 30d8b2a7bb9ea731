package io.j3fs.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.cli.CliRun;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.mgmtd.service.MgmtdServer;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.mgmtd.RegisterNodeReq;
import io.j3fs.proto.mgmtd.RegisterNodeRsp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdminCommandTest {
  @Test
  void listCommandsShowWhatMgmtdKnowsAsTablesAndJson() throws Exception {
    try (MemoryKvEngine kv = new MemoryKvEngine();
        NettyTransport transport = new NettyTransport();
        Dispatcher dispatcher = new Dispatcher()) {
      int port;
      try (java.net.ServerSocket probe =
          new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      // The address it names as primary must be the one it listens on.
      MgmtdServer mgmtd =
          new MgmtdServer(
              kv,
              Clock.system(),
              NodeId.of(1),
              "127.0.0.1:" + port,
              "0.1.0",
              MgmtdServer.Config.DEFAULT);
      mgmtd.register(dispatcher);
      try (RpcServer server =
              transport.serve(Endpoint.loopback(port), dispatcher, ServerOptions.DEFAULT);
          RpcClient client = transport.client(ClientOptions.DEFAULT)) {
        assertThat(mgmtd.tick()).isTrue();
        for (long node = 11; node <= 13; node++) {
          client
              .call(
                  server.endpoint(),
                  "Mgmtd.RegisterNode",
                  RegisterNodeReq.newBuilder()
                      .setNodeId(node)
                      .setType("STORAGE")
                      .setAddress("storage-" + node + ":8000")
                      .build(),
                  5_000)
              .get(10, TimeUnit.SECONDS)
              .message(RegisterNodeRsp.class);
        }
        mgmtd.execute(
            new io.j3fs.mgmtd.ops.SetChainsOp(),
            io.j3fs.proto.mgmtd.SetChainsReq.newBuilder()
                .addChains(
                    io.j3fs.proto.mgmtd.ChainSpec.newBuilder()
                        .setChainId(5)
                        .addTargets(
                            io.j3fs.proto.mgmtd.TargetSpec.newBuilder()
                                .setTargetId(11901)
                                .setNodeId(11))
                        .addTargets(
                            io.j3fs.proto.mgmtd.TargetSpec.newBuilder()
                                .setTargetId(12901)
                                .setNodeId(12))
                        .addTargets(
                            io.j3fs.proto.mgmtd.TargetSpec.newBuilder()
                                .setTargetId(13901)
                                .setNodeId(13)))
                .build());
        String address = server.endpoint().toString();

        CliRun nodes = CliRun.run("admin", "list-nodes", "--mgmtd", address);
        assertThat(nodes.exitCode()).as(nodes.err()).isZero();
        assertThat(nodes.out()).contains("node", "STORAGE", "storage-12:8000", "CONNECTED");

        CliRun chains = CliRun.run("admin", "list-chains", "--mgmtd", address, "--json");
        assertThat(chains.exitCode()).as(chains.err()).isZero();
        assertThat(chains.out())
            .contains("\"chain\": \"5\"")
            .contains("11901(SERVING) 12901(SERVING) 13901(SERVING)");

        CliRun targets = CliRun.run("admin", "list-targets", "--mgmtd", address);
        assertThat(targets.out()).contains("13901", "SERVING", "UP_TO_DATE");

        // The operator path: generate a balanced table for the three nodes, upload its chains, then
        // the table.
        java.nio.file.Path file = java.nio.file.Files.createTempFile("chains", ".txt");
        CliRun generated =
            CliRun.run(
                "admin",
                "gen-chain-table",
                "--nodes",
                "11,12,13",
                "--targets-per-disk",
                "2",
                "--replicas",
                "3");
        java.nio.file.Files.writeString(
            file, generated.out().replace("\n1 ", "\n101 ").replace("\n2 ", "\n102 "));
        CliRun upload =
            CliRun.run("admin", "upload-chains", "--mgmtd", address, "--file", file.toString());
        assertThat(upload.exitCode()).as(upload.err()).isZero();
        assertThat(upload.out()).contains("created 2 chains");
        CliRun again =
            CliRun.run("admin", "upload-chains", "--mgmtd", address, "--file", file.toString());
        assertThat(again.exitCode()).isNotZero();
        CliRun table =
            CliRun.run(
                "admin",
                "upload-chain-table",
                "--mgmtd",
                address,
                "--table-id",
                "1",
                "--file",
                file.toString());
        assertThat(table.out()).contains("chain table 1 is now at version 1");
        CliRun table2 =
            CliRun.run(
                "admin",
                "upload-chain-table",
                "--mgmtd",
                address,
                "--table-id",
                "1",
                "--file",
                file.toString());
        assertThat(table2.out()).contains("version 2");
        CliRun tables = CliRun.run("admin", "list-chain-tables", "--mgmtd", address, "--json");
        assertThat(tables.out())
            .contains("\"table\": \"1\"", "\"version\": \"2\"", "\"chains\": \"2\"");
        java.nio.file.Path config = java.nio.file.Files.createTempFile("storage", ".toml");
        java.nio.file.Files.writeString(config, "read_timeout_ms = 250\n");
        CliRun set =
            CliRun.run(
                "admin",
                "set-config",
                "--mgmtd",
                address,
                "--type",
                "STORAGE",
                "--file",
                config.toString());
        assertThat(set.out()).contains("STORAGE config is now at version 1");
        CliRun get =
            CliRun.run("admin", "get-config", "--mgmtd", address, "--type", "STORAGE", "--json");
        assertThat(get.out()).contains("\"version\": \"1\"", "read_timeout_ms = 250\\n");
        CliRun badType = CliRun.run("admin", "get-config", "--mgmtd", address, "--type", "TOASTER");
        assertThat(badType.exitCode()).isEqualTo(1);
        assertThat(badType.err().strip())
            .isEqualTo("j3fs get-config: INVALID_ARGUMENT: unknown node type 'TOASTER'");
        CliRun disable = CliRun.run("admin", "disable-node", "--mgmtd", address, "--node", "13");
        assertThat(disable.out()).contains("node 13 disabled");
        assertThat(CliRun.run("admin", "list-nodes", "--mgmtd", address).out())
            .contains("DISABLED");
        CliRun enable = CliRun.run("admin", "enable-node", "--mgmtd", address, "--node", "13");
        assertThat(enable.out()).contains("node 13 enabled");
        assertThat(CliRun.run("admin", "list-nodes", "--mgmtd", address).out())
            .doesNotContain("DISABLED");
        CliRun unknown = CliRun.run("admin", "disable-node", "--mgmtd", address, "--node", "99");
        assertThat(unknown.err()).contains("NOT_FOUND: node 99 is not registered");
        CliRun allChains = CliRun.run("admin", "list-chains", "--mgmtd", address);
        assertThat(allChains.out()).contains("101", "102", "11001(SERVING)", "11901(SERVING)");

        // Targets made ahead of their chains are listed without a chain; offline-target takes a
        // chain member out at once. An unreachable first address is skipped.
        CliRun created =
            CliRun.run(
                "admin",
                "create-targets",
                "--mgmtd",
                "127.0.0.1:1," + address,
                "--node",
                "12",
                "--disk",
                "3",
                "--count",
                "2");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.out()).contains("12301", "12302", "created 2 targets");
        assertThat(CliRun.run("admin", "list-targets", "--mgmtd", address).out())
            .containsPattern("12302\\s+12\\s+3\\s+-\\s+-\\s+OFFLINE");
        CliRun offline =
            CliRun.run("admin", "offline-target", "--mgmtd", address, "--target", "12901");
        assertThat(offline.exitCode()).as(offline.err()).isZero();
        assertThat(CliRun.run("admin", "list-chains", "--mgmtd", address).out())
            .contains("11901(SERVING) 13901(SERVING) 12901(OFFLINE)");
        CliRun badCount = CliRun.run("admin", "create-targets", "--mgmtd", address, "--node", "12");
        assertThat(badCount.exitCode()).isEqualTo(2);
      }
    }
  }

  @Test
  void genChainTablePrintsABalancedTableOrAUsageError() {
    CliRun ok =
        CliRun.run(
            "admin",
            "gen-chain-table",
            "--nodes",
            "1,2,3,4,5,6",
            "--targets-per-disk",
            "5",
            "--replicas",
            "3");
    assertThat(ok.exitCode()).isZero();
    assertThat(ok.out()).contains("10 chains").contains("1.000 (1.000 is even)");
    CliRun impossible =
        CliRun.run("admin", "gen-chain-table", "--nodes", "1,2", "--targets-per-disk", "1");
    assertThat(impossible.exitCode()).isEqualTo(2);
    assertThat(impossible.err()).contains("at least 3 nodes");
    CliRun missing = CliRun.run("admin", "gen-chain-table", "--nodes", "1,2,3");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("--targets-per-disk");
  }
}
