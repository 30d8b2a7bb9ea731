package io.j3fs.cli.server;

import static io.j3fs.cli.local.LocalCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.cli.local.LocalCluster;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.storage.StorageClient;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CloseRsp;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.LengthHint;
import io.j3fs.proto.meta.MkdirsReq;
import io.j3fs.proto.meta.MkdirsRsp;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.RemoveReq;
import io.j3fs.proto.meta.RemoveRsp;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.StatFsReq;
import io.j3fs.proto.meta.StatFsRsp;
import io.j3fs.proto.meta.StatReq;
import io.j3fs.proto.meta.StatRsp;
import io.j3fs.proto.meta.TruncateReq;
import io.j3fs.proto.meta.TruncateRsp;
import io.j3fs.proto.meta.UserInfo;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes: mgmtd, three storage nodes with two chains, and {@code j3fs meta} on RocksDB.
 * Over RPC: a file is created with a layout on those chains, its chunks are written through the
 * storage client, close with an uncertain length makes meta ask storage, truncate cuts storage, and
 * removing the file makes the GC remove its chunks from every chain.
 */
class MetaProcessesTest {
  private static final UserInfo ROOT = UserInfo.getDefaultInstance();
  @TempDir Path dir;

  private static PathAt path(String p) {
    return PathAt.newBuilder().setPath(p).build();
  }

  @Test
  void filesLiveOnStorageAndTheGcRemovesTheirChunks() throws Exception {
    try (LocalCluster cluster =
            LocalCluster.start(new LocalCluster.Options(dir, 3, 200, 1_500, List.of()));
        NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT)) {
      cluster.createChains(rpc, 2);
      cluster.createChainTable(rpc, 1, 2);
      Endpoint meta = cluster.startMeta(201);
      await(
          "meta answers",
          () ->
              rpc.invoke(
                      meta, "Meta.StatFs", StatFsReq.getDefaultInstance(), StatFsRsp.class, 2_000)
                  != null);
      MgmtdClient mgmtd = cluster.mgmtdClient(rpc);
      StorageClient storage =
          new StorageClient(rpc, mgmtd, "test", new StorageClient.Config(2_000, 30_000, 10, 200));
      rpc.invoke(
          meta,
          "Meta.Mkdirs",
          MkdirsReq.newBuilder().setUser(ROOT).setPath(path("/data")).setMode(0755).build(),
          MkdirsRsp.class,
          5_000);
      // Meta's routing info may not have the chain table yet: retry while it says UNAVAILABLE.
      CreateRsp[] created = new CreateRsp[1];
      await(
          "a file is created",
          () -> {
            created[0] =
                rpc.invoke(
                    meta,
                    "Meta.Create",
                    CreateReq.newBuilder()
                        .setUser(ROOT)
                        .setRequest(RequestId.newBuilder().setClientId("t").setRequestId(1))
                        .setPath(path("/data/f"))
                        .setMode(0644)
                        .setFlags(0100 | 01)
                        .build(),
                    CreateRsp.class,
                    5_000);
            return true;
          });
      Inode file = created[0].getInode();
      assertThat(file.getLayout().getChainsCount()).isEqualTo(2);
      int chunk = file.getLayout().getChunkSize();
      Random random = new Random(5);
      int chunks = 5;
      int lastLength = 12_345;
      for (int i = 0; i < chunks; i++) {
        byte[] data = new byte[i == chunks - 1 ? lastLength : chunk];
        random.nextBytes(data);
        ChainId chain = ChainId.of(file.getLayout().getChains(i % 2));
        storage.write(chain, ChunkId.of(file.getId(), i), 0, Unpooled.wrappedBuffer(data), chunk);
      }
      long expected = (long) (chunks - 1) * chunk + lastLength;
      Inode closed =
          rpc.invoke(
                  meta,
                  "Meta.Close",
                  CloseReq.newBuilder()
                      .setUser(ROOT)
                      .setInodeId(file.getId())
                      .setSessionId(created[0].getSessionId())
                      .setLengthHint(LengthHint.newBuilder().setLength(1).setExact(false))
                      .setWrote(true)
                      .build(),
                  CloseRsp.class,
                  10_000)
              .getInode();
      assertThat(closed.getLength()).as("length asked from storage").isEqualTo(expected);
      long cut = chunk + 100;
      assertThat(
              rpc.invoke(
                      meta,
                      "Meta.Truncate",
                      TruncateReq.newBuilder()
                          .setUser(ROOT)
                          .setInodeId(file.getId())
                          .setLength(cut)
                          .build(),
                      TruncateRsp.class,
                      10_000)
                  .getInode()
                  .getLength())
          .isEqualTo(cut);
      var last0 = storage.queryLastChunk(ChainId.of(file.getLayout().getChains(0)), file.getId());
      var last1 = storage.queryLastChunk(ChainId.of(file.getLayout().getChains(1)), file.getId());
      assertThat(last0.getChunkIndex()).isZero();
      assertThat(last1.getChunkIndex()).isEqualTo(1);
      assertThat(last1.getLength()).isEqualTo(100);
      rpc.invoke(
          meta,
          "Meta.Remove",
          RemoveReq.newBuilder().setUser(ROOT).setPath(path("/data/f")).build(),
          RemoveRsp.class,
          5_000);
      assertThatThrownBy(
              () ->
                  rpc.invoke(
                      meta,
                      "Meta.Stat",
                      StatReq.newBuilder().setUser(ROOT).setPath(path("/data/f")).build(),
                      StatRsp.class,
                      5_000))
          .isInstanceOf(StatusException.class)
          .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(StatusCode.NOT_FOUND));
      await(
          "the GC removes the file's chunks from both chains",
          () ->
              !storage
                      .queryLastChunk(ChainId.of(file.getLayout().getChains(0)), file.getId())
                      .getFound()
                  && !storage
                      .queryLastChunk(ChainId.of(file.getLayout().getChains(1)), file.getId())
                      .getFound());
    }
  }
}
