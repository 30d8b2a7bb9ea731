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
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes: a tree of 10,000 files made by 16 concurrent clients lists and stats back in
 * full, and 8 writers each writing their own file at once all read back identical.
 */
class TreeAndWritersTest {
  @TempDir Path dir;

  @Test
  void aTreeOfTenThousandFilesAndConcurrentWriters() throws Exception {
    try (LocalCluster cluster =
            LocalCluster.start(new LocalCluster.Options(dir, 3, 200, 1_500, List.of()));
        NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT)) {
      cluster.createChains(rpc, 3);
      cluster.createChainTable(rpc, 1, 3);
      cluster.startMeta(201);
      MgmtdClient mgmtd = cluster.mgmtdClient(rpc);
      await("meta registered", () -> !mgmtd.refreshRouting().nodesOfType(NodeType.META).isEmpty());
      try (J3fsClient client = new J3fsClient(rpc, mgmtd, "tree", UserInfo.getDefaultInstance());
          ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        int dirs = 100;
        int perDir = 100;
        for (int d = 0; d < dirs; d++) {
          client.mkdirs("/tree/d" + d, 0755);
        }
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
          int thread = t;
          futures.add(
              pool.submit(
                  () -> {
                    for (int i = thread; i < dirs * perDir; i += 16) {
                      client.create("/tree/d" + (i / perDir) + "/f" + (i % perDir), 0644).close();
                    }
                    return null;
                  }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
        int files = 0;
        for (int d = 0; d < dirs; d++) {
          files += client.list("/tree/d" + d).size();
        }
        assertThat(files).isEqualTo(dirs * perDir);
        assertThat(client.list("/tree")).hasSize(dirs);
        assertThat(client.stat("/tree/d99/f99").getLength()).isZero();

        int writers = 8;
        int size = 3 * (1 << 20) + 4_321;
        List<Future<?>> writes = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          int writer = w;
          writes.add(
              pool.submit(
                  () -> {
                    try (J3fsClient.J3fsFile file = client.create("/w" + writer, 0644)) {
                      byte[] data = content(writer, size);
                      for (int at = 0; at < size; at += 256 << 10) {
                        int n = Math.min(256 << 10, size - at);
                        file.write(at, Unpooled.wrappedBuffer(data, at, n));
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : writes) {
          f.get();
        }
        for (int w = 0; w < writers; w++) {
          try (J3fsClient.J3fsFile file = client.open("/w" + w, false)) {
            ByteBuf got = file.read(0, size + 10);
            try {
              byte[] bytes = new byte[got.readableBytes()];
              got.getBytes(got.readerIndex(), bytes);
              assertThat(bytes).as("writer %d", w).isEqualTo(content(w, size));
            } finally {
              got.release();
            }
          }
        }
        client.remove("/tree", true);
      }
    }
  }

  private static byte[] content(int writer, int size) {
    byte[] out = new byte[size];
    SplittableRandom random = new SplittableRandom(writer);
    for (int i = 0; i < size; i++) {
      out[i] = (byte) random.nextInt();
    }
    return out;
  }
}
