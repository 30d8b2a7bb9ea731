package io.j3fs.cli.server;

import static io.j3fs.cli.local.LocalCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.cli.local.LocalCluster;
import io.j3fs.client.file.J3fsClient;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.testing.PostgresServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code j3fs meta} processes share one PostgreSQL store; killing one (SIGKILL) in the middle
 * of a run of creates loses none of them: the client moves to the other instance, and a create
 * whose answer was lost is not applied twice (its request id is the same on the retry).
 */
class MetaFailoverTest {
  @TempDir Path dir;

  @Test
  void createsGoOnWhenAMetaInstanceDies() throws Exception {
    PostgresServer postgres = PostgresServer.shared();
    List<String> kv =
        List.of(
            "engine = \"postgres\"",
            "jdbc_url = \"" + postgres.jdbcUrl() + "\"",
            "user = \"" + postgres.user() + "\"",
            "table = \"meta_failover_"
                + ProcessHandle.current().pid()
                + "_"
                + System.nanoTime()
                + "\"");
    try (LocalCluster cluster =
            LocalCluster.start(new LocalCluster.Options(dir, 3, 200, 1_500, List.of()));
        NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT)) {
      cluster.createChains(rpc, 1);
      cluster.createChainTable(rpc, 1, 1);
      cluster.startMeta(201, kv);
      cluster.startMeta(202, kv);
      MgmtdClient mgmtd = cluster.mgmtdClient(rpc);
      await(
          "both meta instances registered",
          () -> mgmtd.refreshRouting().nodesOfType(NodeType.META).size() == 2);
      try (J3fsClient client =
          new J3fsClient(rpc, mgmtd, "failover", UserInfo.getDefaultInstance())) {
        client.mkdirs("/f", 0755);
        for (int i = 0; i < 200; i++) {
          if (i == 100) {
            cluster.kill("meta-201");
          }
          client.create("/f/n" + i, 0644).close();
        }
        assertThat(client.list("/f")).hasSize(200);
      }
    }
  }
}
