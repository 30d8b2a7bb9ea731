package io.j3fs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL server for tests and benchmarks: initdb and pg_ctl in a fresh directory
 * under /tmp, listening on a free port on 127.0.0.1 only, stopped and deleted by {@link #close()}
 * (and by a shutdown hook if the caller never closes it). When running as root the server runs as
 * the {@code postgres} user, because PostgreSQL refuses root.
 *
 * <p>By default the server trades durability for speed (fsync off): it holds test data only.
 */
public final class PostgresServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
  private static final Object SHARED_LOCK = new Object();
  private static PostgresServer shared;

  private final Path binDir;
  private final Path dataDir;
  private final Path socketDir;
  private final int port;
  private final boolean asPostgresUser;
  private final Thread shutdownHook;
  private boolean stopped;

  private final boolean durable;

  private PostgresServer(
      Path binDir,
      Path dataDir,
      Path socketDir,
      int port,
      boolean asPostgresUser,
      boolean durable) {
    this.durable = durable;
    this.binDir = binDir;
    this.dataDir = dataDir;
    this.socketDir = socketDir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
    this.shutdownHook = new Thread(this::stopQuietly, "postgres-server-stop");
  }

  /** One server per JVM, started on first use and stopped when the JVM exits. */
  public static PostgresServer shared() {
    synchronized (SHARED_LOCK) {
      if (shared == null) {
        shared = start();
      }
      return shared;
    }
  }

  /**
   * Starts a new test server (fsync off); fails with a message saying what to install if PostgreSQL
   * is missing.
   */
  public static PostgresServer start() {
    return start(false);
  }

  /**
   * Starts a new server. {@code durable} keeps PostgreSQL's defaults (fsync and synchronous commit
   * on), for benchmarks that compare with durable engines; otherwise both are off, for fast tests.
   */
  public static PostgresServer start(boolean durable) {
    Path binDir = findBinDir();
    boolean root = "root".equals(System.getProperty("user.name"));
    try {
      Path base = Files.createTempDirectory(Path.of("/tmp"), "j3fs-pg-");
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path dataDir = base.resolve("data");
      Path socketDir = base.resolve("sock");
      Files.createDirectories(socketDir);
      if (root) {
        run(List.of("chown", "-R", "postgres:postgres", base.toString()), 30);
      }
      int port = freePort();
      PostgresServer server = new PostgresServer(binDir, dataDir, socketDir, port, root, durable);
      server.initAndStart();
      Runtime.getRuntime().addShutdownHook(server.shutdownHook);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a PostgreSQL server", e);
    }
  }

  private void initAndStart() {
    runAsServerUser(
        List.of(
            binDir.resolve("initdb").toString(),
            "-D",
            dataDir.toString(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync"),
        120);
    String options =
        String.join(
            " ",
            "-p " + port,
            "-k " + socketDir,
            "-c listen_addresses=127.0.0.1",
            durable ? "-c fsync=on" : "-c fsync=off",
            durable ? "-c synchronous_commit=on" : "-c synchronous_commit=off",
            durable ? "-c full_page_writes=on" : "-c full_page_writes=off",
            "-c max_connections=300",
            "-c max_pred_locks_per_transaction=512",
            "-c shared_buffers=128MB");
    runAsServerUser(
        List.of(
            binDir.resolve("pg_ctl").toString(),
            "-D",
            dataDir.toString(),
            "-l",
            dataDir.getParent().resolve("server.log").toString(),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start"),
        90);
    log.info("PostgreSQL test server on 127.0.0.1:{} (data {})", port, dataDir);
  }

  public int port() {
    return port;
  }

  /**
   * JDBC URL of database {@code postgres} as user {@code postgres} (trust authentication on
   * loopback).
   */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public String user() {
    return "postgres";
  }

  @Override
  public void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run
    }
  }

  private synchronized void stopQuietly() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      runAsServerUser(
          List.of(
              binDir.resolve("pg_ctl").toString(),
              "-D",
              dataDir.toString(),
              "-m",
              "immediate",
              "-w",
              "stop"),
          60);
    } catch (RuntimeException e) {
      log.warn("stopping PostgreSQL test server failed: {}", e.getMessage());
    }
    deleteTree(dataDir.getParent());
  }

  private void runAsServerUser(List<String> command, int timeoutSeconds) {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    run(full, timeoutSeconds);
  }

  private static void run(List<String> command, int timeoutSeconds) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", command));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "failed ("
                + process.exitValue()
                + "): "
                + String.join(" ", command)
                + "\n"
                + new String(output, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.getFirst(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command.getFirst(), e);
    }
  }

  /** The newest /usr/lib/postgresql/N/bin, or the directory of pg_ctl on PATH. */
  static Path findBinDir() {
    Path debianRoot = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debianRoot)) {
      try (Stream<Path> versions = Files.list(debianRoot)) {
        Path newest =
            versions
                .filter(p -> Files.isExecutable(p.resolve("bin/pg_ctl")))
                .max(Comparator.comparingInt(PostgresServer::majorVersion))
                .orElse(null);
        if (newest != null) {
          return newest.resolve("bin");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String entry : path.split(":")) {
      Path candidate = Path.of(entry).resolve("pg_ctl");
      if (!entry.isEmpty()
          && Files.isExecutable(candidate)
          && Files.isExecutable(Path.of(entry, "initdb"))) {
        return Path.of(entry);
      }
    }
    throw new IllegalStateException(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install the 'postgresql' Debian package "
            + "(scripts/test.sh does this) or put them on PATH");
  }

  private static int majorVersion(Path versionDir) {
    try {
      return Integer.parseInt(versionDir.getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", root, e.getMessage());
    }
  }
}
