package io.j3fs.cli.server;

import static io.j3fs.cli.local.LocalCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.cli.local.LocalCluster;
import io.j3fs.client.file.J3fsClient;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.meta.UserInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end failover case with real processes: a 1 GiB file is put through the client, a
 * storage process is killed (SIGKILL), the file reads back byte-identical from the surviving
 * replicas, and the restarted process resyncs its targets to serving. The content of each 16 MiB
 * step is generated from its index, so nothing large is held in memory to compare against.
 */
class LargeFileFailoverTest {
  private static final long FILE_BYTES = 1L << 30;
  private static final int STEP = 16 << 20;

  @TempDir Path dir;

  private static byte[] step(long index, int length) {
    byte[] out = new byte[length];
    SplittableRandom random = new SplittableRandom(index * 7919 + 1);
    for (int i = 0; i < length; i += 8) {
      long v = random.nextLong();
      for (int k = 0; k < 8 && i + k < length; k++) {
        out[i + k] = (byte) (v >>> (8 * k));
      }
    }
    return out;
  }

  @Test
  void aOneGibFileSurvivesKillingAStorageProcess() throws Exception {
    try (LocalCluster cluster =
            LocalCluster.start(new LocalCluster.Options(dir, 3, 200, 1_500, List.of()));
        NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT.withConnectionsPerPeer(2))) {
      cluster.createChains(rpc, 3);
      cluster.createChainTable(rpc, 1, 3);
      cluster.startMeta(201);
      MgmtdClient mgmtd = cluster.mgmtdClient(rpc);
      await("meta registered", () -> !mgmtd.refreshRouting().nodesOfType(NodeType.META).isEmpty());
      try (J3fsClient client = new J3fsClient(rpc, mgmtd, "e2e", UserInfo.getDefaultInstance())) {
        try (J3fsClient.J3fsFile file = client.create("/big.bin", 0644)) {
          for (long at = 0, i = 0; at < FILE_BYTES; at += STEP, i++) {
            file.write(at, Unpooled.wrappedBuffer(step(i, STEP)));
          }
        }
        assertThat(client.stat("/big.bin").getLength()).isEqualTo(FILE_BYTES);

        cluster.killStorage(2);
        await(
            "the killed node's targets leave their chains",
            () ->
                mgmtd.refreshRouting().chains().values().stream()
                    .allMatch(
                        c ->
                            c.members().stream()
                                .filter(
                                    m -> m.target().value() / 100 == LocalCluster.storageNodeId(2))
                                .allMatch(m -> m.state() == PublicState.OFFLINE)));
        readBack(client);

        cluster.startStorage(2);
        await(
            "the restarted node's targets resync to serving",
            () -> {
              RoutingInfo routing = mgmtd.refreshRouting();
              return routing.chains().values().stream()
                  .allMatch(
                      c -> c.members().stream().allMatch(m -> m.state() == PublicState.SERVING));
            });
        readBack(client);
      }
    }
  }

  private static void readBack(J3fsClient client) {
    try (J3fsClient.J3fsFile file = client.open("/big.bin", false)) {
      for (long at = 0, i = 0; at < FILE_BYTES; at += STEP, i++) {
        ByteBuf got = file.read(at, STEP);
        try {
          byte[] bytes = new byte[got.readableBytes()];
          got.getBytes(got.readerIndex(), bytes);
          assertThat(bytes).as("step %d", i).isEqualTo(step(i, STEP));
        } finally {
          got.release();
        }
      }
    }
  }
}
