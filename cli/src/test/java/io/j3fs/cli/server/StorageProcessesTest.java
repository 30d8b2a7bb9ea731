package io.j3fs.cli.server;

import static io.j3fs.cli.local.LocalCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.cli.CliRun;
import io.j3fs.cli.local.LocalCluster;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.client.storage.StorageClient;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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

  @Test
  void dataSurvivesKillingAStorageProcessWhichThenResyncs() throws Exception {
    try (LocalCluster cluster =
            LocalCluster.start(new LocalCluster.Options(dir, 3, 200, 1_500, List.of()));
        NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT)) {
      cluster.createChains(rpc, 1);
      MgmtdClient mgmtdClient = cluster.mgmtdClient(rpc);
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

      cluster.killStorage(2);
      long victim = LocalCluster.target(2, 1);
      await(
          "the killed node's target leaves the chain",
          () -> {
            RoutingInfo.Chain c = mgmtdClient.refreshRouting().chains().get(ChainId.of(1));
            return c.members().getLast().target().value() == victim
                && c.members().getLast().state() == PublicState.OFFLINE;
          });
      assertReadBack(client, written);
      for (int i = 16; i < 24; i++) {
        byte[] data = new byte[100_000];
        random.nextBytes(data);
        client.write(ChainId.of(1), ChunkId.of(7, i), 0, Unpooled.wrappedBuffer(data), CHUNK_SIZE);
        written.add(data);
      }

      cluster.startStorage(2);
      await(
          "the restarted node resyncs to serving",
          () ->
              mgmtdClient.refreshRouting().chains().get(ChainId.of(1)).members().stream()
                  .allMatch(m -> m.state() == PublicState.SERVING));
      // Reads spread over all three replicas, the resynced one included.
      for (int round = 0; round < 4; round++) {
        assertReadBack(client, written);
      }
      CliRun targets = CliRun.run("admin", "list-targets", "--mgmtd", cluster.mgmtd().toString());
      assertThat(targets.out()).contains(Long.toString(victim)).doesNotContain("OFFLINE");
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
}
