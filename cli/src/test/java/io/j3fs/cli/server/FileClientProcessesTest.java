package io.j3fs.cli.server;

import static io.j3fs.cli.local.LocalCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.cli.local.LocalCluster;
import io.j3fs.client.file.J3fsClient;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.UserInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file-level client against real processes (mgmtd, three storage nodes with two 3-replica
 * chains, meta on RocksDB): a file written in unaligned pieces across chunk boundaries and with a
 * hole reads back byte-identical (zeros in the hole), its length is what close reported, and
 * rename, list and remove work on it.
 */
class FileClientProcessesTest {
  @TempDir Path dir;

  @Test
  void aFileWrittenInPiecesReadsBackIdentical() throws Exception {
    try (LocalCluster cluster =
            LocalCluster.start(new LocalCluster.Options(dir, 3, 200, 1_500, List.of()));
        NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT)) {
      cluster.createChains(rpc, 2);
      cluster.createChainTable(rpc, 1, 2);
      cluster.startMeta(201);
      MgmtdClient mgmtd = cluster.mgmtdClient(rpc);
      await(
          "meta registered and the chain table published",
          () ->
              !mgmtd.refreshRouting().nodesOfType(NodeType.META).isEmpty()
                  && mgmtd.routing().chainTables().containsKey(1));
      try (J3fsClient client =
          new J3fsClient(rpc, mgmtd, "client-1", UserInfo.getDefaultInstance())) {
        client.mkdirs("/data/train", 0755);
        long seed = System.nanoTime();
        System.out.println("FileClientProcessesTest seed " + seed);
        Random random = new Random(seed);
        int chunk;
        byte[] expected = new byte[3 * (1 << 20) + 777 + (6 << 20)];
        try (J3fsClient.J3fsFile file = client.create("/data/train/shard-0", 0644)) {
          chunk = file.inode().getLayout().getChunkSize();
          assertThat(file.inode().getLayout().getChainsCount()).isEqualTo(2);
          int at = 0;
          int dense = 3 * chunk + 777;
          while (at < dense) {
            int n = Math.min(dense - at, 1 + random.nextInt(700_000));
            byte[] piece = new byte[n];
            random.nextBytes(piece);
            System.arraycopy(piece, 0, expected, at, n);
            file.write(at, Unpooled.wrappedBuffer(piece));
            at += n;
          }
          // A hole of five chunks, then a last piece.
          byte[] tail = new byte[expected.length - (dense + 5 * chunk)];
          random.nextBytes(tail);
          System.arraycopy(tail, 0, expected, dense + 5 * chunk, tail.length);
          file.write(dense + 5L * chunk, Unpooled.wrappedBuffer(tail));
        }
        assertThat(client.stat("/data/train/shard-0").getLength()).isEqualTo(expected.length);
        try (J3fsClient.J3fsFile file = client.open("/data/train/shard-0", false)) {
          assertThat(bytes(file.read(0, expected.length))).isEqualTo(expected);
          for (int i = 0; i < 20; i++) {
            int offset = random.nextInt(expected.length);
            int length = random.nextInt(3 * chunk);
            int end = Math.min(expected.length, offset + length);
            assertThat(bytes(file.read(offset, length)))
                .as("seed %d, %d+%d", seed, offset, length)
                .isEqualTo(Arrays.copyOfRange(expected, offset, end));
          }
          assertThat(bytes(file.read(expected.length, 10))).isEmpty();
          assertThatThrownBy(() -> file.write(0, Unpooled.wrappedBuffer(new byte[1])))
              .isInstanceOf(StatusException.class);
        }
        client.rename("/data/train/shard-0", "/data/train/shard-a");
        assertThat(client.list("/data/train").stream().map(DirEntry::getName))
            .containsExactly("shard-a");
        client.remove("/data", true);
        assertThatThrownBy(() -> client.stat("/data/train/shard-a"))
            .isInstanceOf(StatusException.class)
            .satisfies(
                e -> assertThat(((StatusException) e).code()).isEqualTo(StatusCode.NOT_FOUND));
      }
    }
  }

  private static byte[] bytes(ByteBuf buf) {
    try {
      byte[] out = new byte[buf.readableBytes()];
      buf.getBytes(buf.readerIndex(), out);
      return out;
    } finally {
      buf.release();
    }
  }
}
