package io.j3fs.cli.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.cli.local.LocalCluster;
import io.j3fs.fuse.kernel.Mounts;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real FUSE mount of a real cluster (mgmtd, three storage processes with four 3-replica chains,
 * meta on RocksDB, and {@code j3fs fuse}), as root: the POSIX behaviour suite kept in the repo
 * (fuse/src/test/posix/posix_suite.py, run as its own process, its permission half as nobody), real
 * tools on the mount (cp -a and diff -r, tar, git, fio with verify, rsync), and a daemon killed
 * with SIGKILL whose stale mount the next start cleans up.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MountTest {
  static final Path POSIX = Path.of("..", "fuse", "src", "test", "posix").toAbsolutePath();

  @TempDir static Path dir;
  static LocalCluster cluster;
  static Path mnt;
  static int metricsPort;

  @BeforeAll
  static void mount() throws Exception {
    assertThat(System.getProperty("user.name"))
        .as("FUSE mount tests need root (CI runs them as root)")
        .isEqualTo("root");
    assertThat(Path.of("/dev/fuse")).as("/dev/fuse").exists();
    // The suite's unprivileged half walks to the mount as nobody: the temp dir must let it.
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    cluster = LocalCluster.start(new LocalCluster.Options(dir, 3, 200, 1_500, List.of()));
    try (NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT)) {
      cluster.startFileSystem(rpc, 4);
    }
    mnt = dir.resolve("mnt");
    try (java.net.ServerSocket probe =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      metricsPort = probe.getLocalPort();
    }
    cluster.startFuse(
        "fuse",
        mnt,
        List.of("attr_timeout_ms = 1000", "metrics_listen = \"127.0.0.1:" + metricsPort + "\""));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.stop("fuse");
      if (mnt != null && Mounts.mounted(mnt)) {
        Mounts.unmount(mnt);
      }
      cluster.close();
    }
  }

  /** Runs a command; returns its exit code, with its output printed (and kept in the report). */
  static int run(List<String> command, long timeoutS) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    StringBuilder out = new StringBuilder();
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    out.append(
                        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                  } catch (IOException e) {
                    out.append(e);
                  }
                });
    if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    reader.join(10_000);
    System.out.println(String.join(" ", command) + ":\n" + out);
    return p.isAlive() ? -1 : p.exitValue();
  }

  @Test
  @Order(1)
  void thePosixSuitePassesOnTheMount() throws Exception {
    assertThat(
            run(
                List.of("python3", POSIX.resolve("posix_suite.py").toString(), mnt.toString()),
                600))
        .as("failed cases of posix_suite.py (see the test output)")
        .isZero();
  }

  /**
   * The suite on mounts set up differently: without default_permissions and with no kernel caching
   * (every permission decision is then the metadata service's, and access(2) is the daemon's); with
   * the writeback cache; and with batches of unlinks answered early held back 300 ms, so that every
   * check right after them finds them not applied yet unless it waits for them.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "default_permissions = false|entry_timeout_ms = 0|attr_timeout_ms = 0|negative_timeout_ms = 0",
        "writeback_cache = true",
        "unlink_behind_linger_ms = 300"
      })
  @Order(2)
  void thePosixSuitePassesOnOtherMountSettings(String settings) throws Exception {
    String name =
        settings.startsWith("writeback")
            ? "fuse-writeback"
            : settings.startsWith("unlink") ? "fuse-slow-batches" : "fuse-service-checks";
    Path other = dir.resolve("mnt-" + name);
    cluster.startFuse(name, other, List.of(settings.split("\\|")));
    try {
      assertThat(
              run(
                  List.of("python3", POSIX.resolve("posix_suite.py").toString(), other.toString()),
                  600))
          .as("failed cases of posix_suite.py on " + settings)
          .isZero();
    } finally {
      cluster.stop(name);
    }
    assertThat(Mounts.mounted(other)).isFalse();
  }

  @Test
  @Order(3)
  void realToolsWorkOnTheMount() throws Exception {
    Path tree = Path.of("..", "client", "src").toAbsolutePath().normalize();
    assertThat(
            run(
                List.of(
                    "bash", POSIX.resolve("tools.sh").toString(), mnt.toString(), tree.toString()),
                600))
        .as("tools.sh (see the test output)")
        .isZero();
  }

  /**
   * Unlink-behind seen from another client: once the mount answers unlinks itself (it holds the
   * directory's lease), another client's change in that directory waits until the mount has given
   * the lease back, and by then every unlink the mount answered is applied; what the mount sees
   * afterwards is the other client's change. Then a directory emptied that way is a rename's target
   * at once (the rename waits for its unlinks).
   */
  @Test
  @Order(4)
  void anotherClientsChangeWaitsForTheUnlinksTheMountAnswered() throws Exception {
    Path d = mnt.resolve("behind");
    Files.createDirectory(d);
    for (int i = 0; i < 200; i++) {
      Files.writeString(d.resolve("f" + i), "x");
    }
    try (io.j3fs.client.file.J3fsClient other =
        io.j3fs.client.file.J3fsClient.connect(
            List.of(cluster.mgmtd()), io.j3fs.proto.meta.UserInfo.getDefaultInstance())) {
      other.list("/behind"); // connected before the unlinks: its create follows the last at once
      long early = unlinkBehindEarly();
      for (int i = 0; i < 150; i++) {
        Files.delete(d.resolve("f" + i));
      }
      // Its batches sent, the mount holds the lease idle: the create below is refused and waits
      // until the idle lease goes back (a busy holder learns of the recall from its next batch's
      // answer and gives it back within milliseconds, too fast to tell from no wait at all).
      Thread.sleep(50);
      long started = System.nanoTime();
      other.create("/behind/from-another-client", 0644).close();
      long waitedMs = (System.nanoTime() - started) / 1_000_000;
      assertThat(unlinkBehindEarly() - early)
          .as("unlinks the mount answered itself")
          .isGreaterThan(100);
      // The mount keeps an idle lease 300 ms after its last early unlink; the create, sent at
      // once, is refused (DIRECTORY_LEASED, the lease asked back) and retried until it is given
      // back. Without the service's check it would have taken a few milliseconds.
      assertThat(waitedMs).as("the create waited for the lease").isGreaterThanOrEqualTo(100);
      assertThat(waitedMs).as("given back within the lease's length").isLessThan(10_000);
      assertThat(other.list("/behind").stream().map(e -> e.getName()).sorted().toList())
          .as("every unlink the mount answered is applied before the other client's create")
          .hasSize(51)
          .contains("from-another-client", "f150", "f199")
          .doesNotContain("f0", "f149");
    }
    assertThat(Files.exists(d.resolve("from-another-client"))).isTrue();
    try (var names = Files.list(d)) {
      assertThat(names.count()).isEqualTo(51);
    }
    Path emptied = mnt.resolve("emptied");
    Files.createDirectory(emptied);
    for (int i = 0; i < 100; i++) {
      Files.writeString(emptied.resolve("f" + i), "x");
    }
    Path replacement = Files.createDirectory(mnt.resolve("replacement"));
    for (int i = 0; i < 100; i++) {
      Files.delete(emptied.resolve("f" + i));
    }
    Files.move(replacement, emptied, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.exists(replacement)).isFalse();
  }

  /** The mount's count of unlinks answered early, from its metrics. */
  @Test
  @Order(4) // before the daemon is restarted without its metrics endpoint (Order 6)
  void anotherClientsChangeWaitsForTheCreatesTheMountAnswered() throws Exception {
    Path d = Files.createDirectory(mnt.resolve("ahead"));
    try (io.j3fs.client.file.J3fsClient other =
        io.j3fs.client.file.J3fsClient.connect(
            List.of(cluster.mgmtd()), io.j3fs.proto.meta.UserInfo.getDefaultInstance())) {
      other.list("/ahead");
      long early = behindEarly("j3fs_fuse_create_behind_early_total");
      for (int i = 0; i < 150; i++) {
        Files.createFile(d.resolve("c" + i));
      }
      Files.writeString(d.resolve("written"), "made early, then written");
      other.create("/ahead/from-another-client", 0644).close();
      assertThat(behindEarly("j3fs_fuse_create_behind_early_total") - early)
          .as("creates the mount answered itself")
          .isGreaterThan(100);
      assertThat(other.list("/ahead").stream().map(e -> e.getName()).toList())
          .as("every create the mount answered is applied before the other client's")
          .hasSize(152)
          .contains("c0", "c149", "written", "from-another-client");
      try (var in = other.newInputStream("/ahead/written")) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
            .isEqualTo("made early, then written");
      }
    }
    try (var names = Files.list(d)) {
      assertThat(names.count()).isEqualTo(152);
    }
  }

  private static long unlinkBehindEarly() throws Exception {
    return behindEarly("j3fs_fuse_unlink_behind_early_total");
  }

  private static long behindEarly(String metric) throws Exception {
    String metrics =
        new String(
            java.net
                .URI
                .create("http://127.0.0.1:" + metricsPort + "/metrics")
                .toURL()
                .openStream()
                .readAllBytes(),
            StandardCharsets.UTF_8);
    return metrics
        .lines()
        .filter(l -> l.startsWith(metric))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow();
  }

  @Test
  @Order(5)
  void readsAndWritesThroughTheMountSurviveALostStorageNode() throws Exception {
    byte[] data = new byte[9 << 20];
    new java.util.Random(4).nextBytes(data);
    Path file = mnt.resolve("replicated.bin");
    Files.write(file, data);
    cluster.killStorage(2); // SIGKILL: its replicas of every chain are gone until it returns
    assertThat(Files.readAllBytes(file)).as("read with a replica lost").isEqualTo(data);
    byte[] more = new byte[3 << 20];
    new java.util.Random(5).nextBytes(more);
    Files.write(mnt.resolve("written-while-down.bin"), more);
    assertThat(Files.readAllBytes(mnt.resolve("written-while-down.bin"))).isEqualTo(more);
    cluster.startStorage(2);
    assertThat(Files.readAllBytes(file)).as("read after it came back").isEqualTo(data);
  }

  @Test
  @Order(6)
  void aCrashedDaemonsStaleMountIsCleanedUpByTheNextStart() throws Exception {
    Path file = mnt.resolve("survivor");
    Files.writeString(file, "written before the crash");
    cluster.kill("fuse");
    assertThat(Mounts.mounted(mnt)).as("a killed daemon leaves its mount behind").isTrue();
    assertThat(run(List.of("stat", mnt.toString()), 10))
        .as("the stale mount answers ENOTCONN")
        .isNotZero();
    cluster.startFuse("fuse", mnt, List.of());
    assertThat(Files.readString(file)).isEqualTo("written before the crash");
    cluster.stop("fuse");
    assertUnmounted("SIGTERM unmounts");
    cluster.startFuse("fuse", mnt, List.of());
    cluster.interrupt("fuse");
    assertUnmounted("SIGINT unmounts");
    cluster.startFuse("fuse", mnt, List.of());
    assertThat(Files.readString(file)).isEqualTo("written before the crash");
  }

  /**
   * Fails, with the end of the daemons' log (every start appends to it), when the mount is still
   * there: a daemon that did not unmount in time leaves nothing else to go by once the temp dir is
   * gone.
   */
  private static void assertUnmounted(String what) throws IOException {
    if (!Mounts.mounted(mnt)) {
      return;
    }
    Path log = dir.resolve("fuse.log");
    List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
    throw new AssertionError(
        what
            + ": "
            + mnt
            + " is still mounted; fuse.log ends:\n"
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size())));
  }
}
