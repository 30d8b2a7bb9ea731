package io.j3fs.cli.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.cli.local.LocalCluster;
import io.j3fs.client.file.J3fsClient;
import io.j3fs.client.mgmtd.MgmtdClient;
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
      MgmtdClient mgmtd = cluster.startFileSystem(rpc, 2);
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
        // The dataloader path: random samples of two files in one asynchronous batch.
        try (java.io.OutputStream out = client.newOutputStream("/data/train/shard-1")) {
          for (int i = 0; i < 40; i++) {
            out.write(expected, i * 100_000, 100_000); // through the 4 MiB stream buffer
          }
        }
        byte[] second = Arrays.copyOf(expected, 4_000_000);
        assertThat(client.stat("/data/train/shard-1").getLength()).isEqualTo(second.length);
        try (java.io.InputStream in = client.newInputStream("/data/train/shard-1")) {
          assertThat(in.readAllBytes()).isEqualTo(second);
        }
        try (J3fsClient.J3fsFile a = client.open("/data/train/shard-0", false);
            J3fsClient.J3fsFile b = client.open("/data/train/shard-1", false)) {
          List<J3fsClient.BatchRead> reads = new java.util.ArrayList<>();
          List<byte[]> want = new java.util.ArrayList<>();
          for (int i = 0; i < 64; i++) {
            boolean first = i % 2 == 0;
            byte[] source = first ? expected : second;
            int offset = random.nextInt(source.length);
            int length = 1 + random.nextInt(64 << 10);
            reads.add(
                new J3fsClient.BatchRead(
                    first ? a : b, offset, java.nio.ByteBuffer.allocate(length)));
            want.add(Arrays.copyOfRange(source, offset, Math.min(source.length, offset + length)));
          }
          int[] got = client.readBatch(reads).get();
          for (int i = 0; i < reads.size(); i++) {
            assertThat(got[i]).isEqualTo(want.get(i).length);
            assertThat(Arrays.copyOf(reads.get(i).into().array(), got[i]))
                .as("seed %d, batch read %d", seed, i)
                .isEqualTo(want.get(i));
            assertThat(reads.get(i).into().position()).isEqualTo(got[i]);
          }
        }
        try (var channel = client.newByteChannel("/data/train/shard-2", true)) {
          channel.position(5_000_000).write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
          assertThat(channel.size()).isEqualTo(5_000_003);
          channel.truncate(5_000_001);
          assertThat(channel.size()).isEqualTo(5_000_001);
        }
        try (var channel = client.newByteChannel("/data/train/shard-2", false)) {
          java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(10);
          channel.position(4_999_998);
          assertThat(channel.read(buf)).isEqualTo(3);
          assertThat(Arrays.copyOf(buf.array(), 3)).containsExactly(0, 0, 1);
          assertThat(channel.read(buf)).isEqualTo(-1);
        }
        // The same cluster through java.nio.file: j3fs://<mgmtd>/...
        try (java.nio.file.FileSystem fs =
            java.nio.file.FileSystems.newFileSystem(
                java.net.URI.create("j3fs://" + cluster.mgmtd() + "/"), java.util.Map.of())) {
          java.nio.file.Path root = fs.getPath("/nio");
          java.nio.file.Files.createDirectories(root.resolve("a/b"));
          java.nio.file.Path f = root.resolve("a/b/hello.txt");
          java.nio.file.Files.writeString(f, "hello j3fs");
          assertThat(java.nio.file.Files.readString(f)).isEqualTo("hello j3fs");
          assertThat(java.nio.file.Files.size(f)).isEqualTo(10);
          assertThat(java.nio.file.Files.exists(root.resolve("a/missing"))).isFalse();
          assertThat(java.nio.file.Files.isDirectory(root.resolve("a"))).isTrue();
          java.nio.file.Files.write(f, "!".getBytes(), java.nio.file.StandardOpenOption.APPEND);
          assertThat(java.nio.file.Files.readString(f)).isEqualTo("hello j3fs!");
          java.nio.file.Files.move(f, root.resolve("moved.txt"));
          try (var names = java.nio.file.Files.list(root)) {
            assertThat(names.map(p -> p.getFileName().toString()).sorted().toList())
                .containsExactly("a", "moved.txt");
          }
          assertThatThrownBy(() -> java.nio.file.Files.delete(root.resolve("a")))
              .isInstanceOf(java.nio.file.DirectoryNotEmptyException.class);
          assertThatThrownBy(() -> java.nio.file.Files.readString(root.resolve("nope")))
              .isInstanceOf(java.nio.file.NoSuchFileException.class);
          assertThatThrownBy(() -> java.nio.file.Files.createDirectory(root.resolve("a")))
              .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
          assertThat(root.resolve("moved.txt").toUri().toString())
              .isEqualTo("j3fs://" + cluster.mgmtd() + "/nio/moved.txt");
          assertThat(java.nio.file.Path.of(root.resolve("moved.txt").toUri()))
              .isEqualTo(root.resolve("moved.txt"));
        }
        client.remove("/nio", true);
        client.remove("/data/train/shard-1", false);
        client.remove("/data/train/shard-2", false);
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
