package io.j3fs.cli.admin;

import io.j3fs.client.file.J3fsClient;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.Layout;
import io.j3fs.proto.meta.UserInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * File commands of {@code j3fs admin}: ls, stat, mkdir, rm, mv, cat, put, get, du, set-layout, on
 * the cluster whose mgmtd {@code --mgmtd} names (default: the one {@code j3fs up} starts).
 */
final class FileCommands {
  /** Bytes moved per step by put, get and cat (16 chunks of the default size, written at once). */
  static final int STEP_BYTES = 16 << 20;

  private FileCommands() {}

  /** Where the cluster is and who acts. */
  static final class Cluster {
    /** What a command does with a connected client. */
    @FunctionalInterface
    interface Body {
      void run(J3fsClient client) throws IOException;
    }

    /** Runs {@code body} with a client of this cluster; exit code 0 unless it throws. */
    int run(Body body) {
      return with(
          client -> {
            try {
              body.run(client);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
            return 0;
          });
    }

    @Option(
        names = "--mgmtd",
        defaultValue = "127.0.0.1:9000",
        description = "Mgmtd addresses, host:port, comma separated (default: j3fs up's).")
    String mgmtd;

    @Option(names = "--token", defaultValue = "", description = "Shared secret, if any.")
    String token;

    @Option(names = "--uid", defaultValue = "0", description = "User id to act as (default root).")
    int uid;

    @Option(names = "--gid", defaultValue = "0", description = "Group id to act as.")
    int gid;

    <T> T with(java.util.function.Function<J3fsClient, T> body) {
      List<Endpoint> endpoints = new ArrayList<>();
      for (String address : mgmtd.split(",")) {
        endpoints.add(Endpoint.parse(address.trim()));
      }
      try (NettyTransport transport = new NettyTransport(NettyTransport.Io.best(), 1);
          RpcClient rpc = transport.client(ClientOptions.DEFAULT.withToken(token))) {
        MgmtdClient mgmtdClient =
            new MgmtdClient(rpc, new MgmtdClient.Config(endpoints, 10_000, 6, 200, 2_000));
        mgmtdClient.refreshRouting();
        try (J3fsClient client =
            new J3fsClient(
                rpc,
                mgmtdClient,
                "cli-" + UUID.randomUUID(),
                UserInfo.newBuilder().setUid(uid).setGid(gid).build())) {
          return body.apply(client);
        }
      }
    }
  }

  static String type(InodeType type) {
    return switch (type) {
      case DIRECTORY -> "d";
      case SYMLINK -> "l";
      default -> "-";
    };
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List a directory.")
  static final class Ls implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Option(names = "-l", description = "Long format: type, mode, owner, size, mtime.")
    boolean longFormat;

    @Parameters(defaultValue = "/", description = "Directory (default /).")
    String path;

    @Override
    public Integer call() {
      return cluster.run(
          client -> {
            for (DirEntry e : client.list(path)) {
              if (longFormat) {
                Inode i = e.getInode();
                System.out.printf(
                    "%s%04o %5d %5d %14d %s %s%n",
                    type(e.getType()),
                    i.getMode(),
                    i.getUid(),
                    i.getGid(),
                    i.getLength(),
                    Instant.ofEpochSecond(0, i.getMtimeNs()),
                    e.getName());
              } else {
                System.out.println(e.getName() + (e.getType() == InodeType.DIRECTORY ? "/" : ""));
              }
            }
          });
    }
  }

  @Command(
      name = "stat",
      mixinStandardHelpOptions = true,
      description = "Show an inode's attributes.")
  static final class Stat implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Parameters(description = "Path.")
    String path;

    @Override
    public Integer call() {
      return cluster.run(
          client -> {
            Inode i = client.stat(path);
            System.out.printf(
                "path: %s%ninode: 0x%x%ntype: %s%nmode: %04o%nowner: %d:%d%nlinks: %d%nsize: %d%n"
                    + "mtime: %s%nlayout: chunk %d bytes, chains %s (table %d v%d)%n",
                path,
                i.getId(),
                i.getType(),
                i.getMode(),
                i.getUid(),
                i.getGid(),
                i.getNlink(),
                i.getLength(),
                Instant.ofEpochSecond(0, i.getMtimeNs()),
                i.getLayout().getChunkSize(),
                i.getLayout().getChainsList(),
                i.getLayout().getTableId(),
                i.getLayout().getTableVersion());
          });
    }
  }

  @Command(name = "mkdir", mixinStandardHelpOptions = true, description = "Make a directory.")
  static final class Mkdir implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Option(names = "-p", description = "Make missing parents; no error if it exists.")
    boolean parents;

    @Option(names = "--mode", defaultValue = "0755", description = "Mode, octal.")
    String mode;

    @Parameters(description = "Path.")
    String path;

    @Override
    public Integer call() {
      return cluster.run(
          client -> {
            if (parents) {
              client.mkdirs(path, Integer.parseInt(mode, 8));
            } else {
              client.mkdir(path, Integer.parseInt(mode, 8));
            }
          });
    }
  }

  @Command(
      name = "rm",
      mixinStandardHelpOptions = true,
      description = "Remove a file or directory.")
  static final class Rm implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Option(names = "-r", description = "A directory with everything in it.")
    boolean recursive;

    @Parameters(description = "Path.")
    String path;

    @Override
    public Integer call() {
      return cluster.run(
          client -> {
            client.remove(path, recursive);
          });
    }
  }

  @Command(name = "mv", mixinStandardHelpOptions = true, description = "Rename or move.")
  static final class Mv implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Parameters(index = "0", description = "Source path.")
    String src;

    @Parameters(index = "1", description = "Destination path.")
    String dst;

    @Override
    public Integer call() {
      return cluster.run(
          client -> {
            client.rename(src, dst);
          });
    }
  }

  @Command(name = "cat", mixinStandardHelpOptions = true, description = "Write a file to stdout.")
  static final class Cat implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Parameters(description = "Path.")
    String path;

    @Override
    public Integer call() {
      return cluster.run(
          client -> {
            try (J3fsClient.J3fsFile file = client.open(path, false)) {
              copyOut(file, System.out, null);
              System.out.flush();
            }
          });
    }
  }

  @Command(name = "put", mixinStandardHelpOptions = true, description = "Copy a local file in.")
  static final class Put implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Parameters(index = "0", description = "Local file.")
    Path local;

    @Parameters(index = "1", description = "Path in j3fs.")
    String path;

    @Override
    public Integer call() throws IOException {
      try (FileChannel in = FileChannel.open(local, StandardOpenOption.READ)) {
        long size = in.size();
        return cluster.run(
            client -> {
              Progress progress = quiet ? null : new Progress("put " + local.getFileName(), size);
              try (J3fsClient.J3fsFile file = client.create(path, 0644)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(STEP_BYTES);
                long at = 0;
                while (at < size) {
                  buf.clear();
                  while (buf.hasRemaining() && in.read(buf, at + buf.position()) > 0) {
                    // fill the step
                  }
                  buf.flip();
                  file.write(at, Unpooled.wrappedBuffer(buf));
                  at += buf.limit();
                  if (progress != null) {
                    progress.at(at);
                  }
                }
              }
              if (progress != null) {
                progress.done();
              }
            });
      }
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Copy a file out.")
  static final class Get implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Parameters(index = "0", description = "Path in j3fs.")
    String path;

    @Parameters(index = "1", description = "Local file (overwritten).")
    Path local;

    @Override
    public Integer call() {
      return cluster.run(
          client -> {
            try (J3fsClient.J3fsFile file = client.open(path, false);
                OutputStream out = java.nio.file.Files.newOutputStream(local)) {
              Progress progress = quiet ? null : new Progress("get " + path, file.length());
              copyOut(file, out, progress);
              if (progress != null) {
                progress.done();
              }
            }
          });
    }
  }

  @Command(
      name = "du",
      mixinStandardHelpOptions = true,
      description = "Bytes and files under a path.")
  static final class Du implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Parameters(defaultValue = "/", description = "Path (default /).")
    String path;

    @Override
    public Integer call() {
      return cluster.run(
          client -> {
            long[] totals = new long[3];
            walk(client, path.equals("/") ? "" : path, client.stat(path), totals);
            System.out.printf(
                "%d bytes in %d files and %d directories under %s%n",
                totals[0], totals[1], totals[2], path);
          });
    }

    private static void walk(J3fsClient client, String path, Inode inode, long[] totals) {
      if (inode.getType() != InodeType.DIRECTORY) {
        totals[0] += inode.getType() == InodeType.FILE ? inode.getLength() : 0;
        totals[1]++;
        return;
      }
      totals[2]++;
      for (DirEntry e : client.list(path.isEmpty() ? "/" : path)) {
        walk(client, path + "/" + e.getName(), e.getInode(), totals);
      }
    }
  }

  @Command(
      name = "set-layout",
      mixinStandardHelpOptions = true,
      description = "Set the layout new files in a directory get.")
  static final class SetLayout implements Callable<Integer> {
    @Mixin Cluster cluster;

    @Option(
        names = "--chunk-size",
        defaultValue = "0",
        description = "Chunk bytes (power of two, 64 KiB-64 MiB).")
    int chunkSize;

    @Option(names = "--stripe", defaultValue = "0", description = "Chains per file.")
    int stripe;

    @Parameters(description = "Directory.")
    String path;

    @Override
    public Integer call() {
      return cluster.run(
          client -> {
            client.setLayout(
                path, Layout.newBuilder().setChunkSize(chunkSize).setStripeSize(stripe).build());
          });
    }
  }

  static void copyOut(J3fsClient.J3fsFile file, OutputStream out, Progress progress)
      throws IOException {
    long length = file.length();
    for (long at = 0; at < length; ) {
      ByteBuf piece = file.read(at, (int) Math.min(STEP_BYTES, length - at));
      try {
        int n = piece.readableBytes();
        if (n == 0) {
          break;
        }
        piece.readBytes(out, n);
        at += n;
      } finally {
        piece.release();
      }
      if (progress != null) {
        progress.at(at);
      }
    }
  }

  /** A one-line progress bar on stderr. */
  static final class Progress {
    private final String what;
    private final long total;
    private final long start = System.nanoTime();

    Progress(String what, long total) {
      this.what = what;
      this.total = total;
    }

    void at(long done) {
      int width = 30;
      int filled = total == 0 ? width : (int) (width * done / total);
      double secs = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
      System.err.printf(
          "\r%s [%s%s] %d/%d MiB %.0f MiB/s",
          what,
          "#".repeat(filled),
          " ".repeat(width - filled),
          done >> 20,
          total >> 20,
          done / secs / (1 << 20));
    }

    void done() {
      at(total);
      System.err.println();
    }
  }
}
