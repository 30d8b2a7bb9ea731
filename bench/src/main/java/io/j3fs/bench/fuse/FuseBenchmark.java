package io.j3fs.bench.fuse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.j3fs.bench.RawDisk;
import io.j3fs.bench.Table;
import io.j3fs.client.file.J3fsClient;
import io.j3fs.net.Endpoint;
import io.j3fs.proto.meta.UserInfo;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j3fs bench fuse}: the FUSE mount of a running cluster (by default {@code j3fs up}'s at
 * ./mnt) under fio (1 MiB sequential write and read, 4 KiB random reads at queue depth 32 with 4
 * jobs) and a create/stat/unlink rate test, each beside the same job in the same run on a local
 * directory and on a libfuse passthrough mount of it (bindfs), plus the Java client's own
 * sequential read rate of the same file, which the mount's is held against. Sequential reads run
 * from cold caches (the page cache dropped, so storage reads its disk too) and again with the
 * storage nodes' cache warm (a fresh open drops the mount's own cache; the local directory's second
 * read is a page-cache read). Random reads use O_DIRECT, after the sequential ones.
 */
@Command(
    name = "fuse",
    mixinStandardHelpOptions = true,
    description = "fio and metadata rates on the FUSE mount, beside a local directory and bindfs.")
public final class FuseBenchmark implements Callable<Integer> {
  @Option(names = "--mgmtd", defaultValue = "127.0.0.1:9000", description = "Mgmtd address.")
  String mgmtd;

  @Option(names = "--mount", defaultValue = "mnt", description = "The j3fs FUSE mount.")
  Path mount;

  @Option(
      names = "--dir",
      defaultValue = "data/bench-fuse",
      description = "Local directory for the local and bindfs rows.")
  Path dir;

  @Option(names = "--mib", defaultValue = "512", description = "MiB of the sequential file.")
  int mib;

  @Option(names = "--seconds", defaultValue = "5", description = "Time of the random-read rows.")
  int seconds;

  @Option(names = "--threads", defaultValue = "4", description = "Metadata test threads.")
  int threads;

  // 3,000: with 1,000 a phase lasted under 0.1 s on the local and bindfs directories (stats at
  // 50,000/s and more), where thread start-up and the first lookups weigh on the rate measured.
  @Option(names = "--files", defaultValue = "3000", description = "Files per metadata thread.")
  int files;

  @Option(
      names = "--only",
      description =
          "Run only these rows: data (fio jobs and the Java client) or metadata (create, stat,"
              + " unlink). Default: both.")
  String only;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  /** Seconds the mount is left idle after its warm-up, for the GC (see call). */
  static final int GC_SETTLE_S = 10;

  /** The benchmark's directory on the mount, and the Java client's warm rate measured there. */
  private String name;

  private double clientWarm;

  private final Table table =
      new Table("workload", "j3fs mount", "local dir", "bindfs", "Java client", "target");

  @Override
  public Integer call() throws Exception {
    Path mnt = mount.toAbsolutePath().normalize();
    if (only != null && !only.equals("data") && !only.equals("metadata")) {
      System.err.println("j3fs bench fuse: --only takes data or metadata, not " + only);
      return 2;
    }
    if (!Files.isDirectory(mnt)) {
      System.err.println("j3fs bench fuse: " + mnt + " is not a mounted directory (j3fs up?)");
      return 1;
    }
    name = "bench-fuse-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Path> targets = new LinkedHashMap<>();
    targets.put("j3fs", Files.createDirectories(mnt.resolve(name)));
    Path local = Files.createDirectories(dir.toAbsolutePath().resolve("local"));
    targets.put("local", local);
    Path bindSrc = Files.createDirectories(dir.toAbsolutePath().resolve("bind-src"));
    Path bindMnt = Files.createDirectories(dir.toAbsolutePath().resolve("bind-mnt"));
    boolean bindfs = run(List.of("bindfs", bindSrc.toString(), bindMnt.toString())) == 0;
    if (bindfs) {
      targets.put("bindfs", bindMnt);
    } else {
      System.err.println(
          "bindfs is not installed (apt-get install bindfs): its column stays empty");
    }
    try {
      Map<String, Map<String, Double>> results = new LinkedHashMap<>();
      // The baselines first: j3fs leaves background work behind (the GC of what the metadata rows
      // removed: a few transactions per file, each fsynced), and its fsyncs force the local
      // file system's journal to commit, which slowed the local and bindfs create rows measured
      // after it several times over.
      // Each after its own warm-up: this JVM's JIT too is cold at first, and the first directory
      // measured would otherwise pay for it.
      for (Map.Entry<String, Path> t : targets.entrySet()) {
        if (!t.getKey().equals("j3fs")) {
          warmUp(t.getValue());
          results.put(t.getKey(), measure(t.getKey(), t.getValue()));
        }
      }
      warmUp(targets.get("j3fs"));
      if (runs("metadata")) {
        // The warm-up removed thousands of files; the metadata service's GC collects them in the
        // background (about 3,000 per second here). Its work belongs to those removals, not to
        // the rows measured next.
        System.err.println("j3fs: waiting " + GC_SETTLE_S + " s for the GC of the warm-up's files");
        Thread.sleep(GC_SETTLE_S * 1000L);
      }
      results.put("j3fs", measure("j3fs", targets.get("j3fs")));
      Map<String, Double> j = results.get("j3fs");
      if (runs("data")) {
        double client = javaClientRead(name + "/seq.0.0", true);
        row(results, "seq write 1 MiB (MB/s)", "write", "");
        row(results, "seq read 1 MiB, cold (MB/s)", "read", Table.count(client));
        row(
            results,
            "seq read 1 MiB, storage cache warm (MB/s)",
            "read-warm",
            Table.count(clientWarm));
        row(results, "rand read 4 KiB qd32 x4, warm (IOPS)", "randread", "");
        System.out.printf(
            "seq read through the mount: %.2f of the Java client's cold, %.2f warm"
                + " (target 0.70)%n",
            j.get("read") / client, j.get("read-warm") / clientWarm);
      }
      if (runs("metadata")) {
        row(results, "create (files/s)", "create", "");
        row(results, "stat, cold dentries (files/s)", "stat", "");
        row(results, "unlink (files/s)", "unlink", "");
      }
      System.out.println(json ? table.json() : table.render());
      if (bindfs && runs("metadata")) {
        Map<String, Double> b = results.get("bindfs");
        for (String op : List.of("create", "stat", "unlink")) {
          System.out.printf("%s: %.2f of bindfs's (target 0.50)%n", op, j.get(op) / b.get(op));
        }
      }
    } finally {
      if (bindfs) {
        run(List.of("umount", bindMnt.toString()));
      }
      RawDisk.deleteTree(targets.get("j3fs"));
      RawDisk.deleteTree(dir.toAbsolutePath());
    }
    return 0;
  }

  private boolean runs(String rows) {
    return only == null || only.equals(rows);
  }

  private void row(
      Map<String, Map<String, Double>> results, String workload, String key, String client) {
    List<String> cells = new ArrayList<>(List.of(workload));
    for (String t : List.of("j3fs", "local", "bindfs")) {
      Map<String, Double> r = results.get(t);
      cells.add(r == null ? "" : Table.count(r.get(key)));
    }
    cells.add(client);
    cells.add(
        switch (key) {
          case "read", "read-warm" -> "0.70 of the Java client";
          case "create", "stat", "unlink" -> "0.50 of bindfs";
          default -> "";
        });
    table.add(cells.toArray(String[]::new));
  }

  /** Every row on one directory. */
  private Map<String, Double> measure(String label, Path at) throws Exception {
    Map<String, Double> out = new LinkedHashMap<>();
    String size = mib + "M";
    if (runs("data")) {
      out.put("write", bandwidth(label, at, "write", "--size=" + size, "--end_fsync=1"));
      // Warm first, right after the write: every replica then holds the file in its page cache.
      // After a cache drop only the replica each read went to is warm, and reads spread over the
      // replicas, so a re-read after a cold read is still partly cold (measured: ~650 MB/s, then
      // ~950 on the next pass). A fresh open drops the mount's own cache.
      out.put("read-warm", bandwidth(label, at, "read", "--size=" + size));
      if (label.equals("j3fs")) {
        clientWarm = javaClientRead(name + "/seq.0.0", false); // the same warm state
      }
      RawDisk.dropCaches();
      out.put("read", bandwidth(label, at, "read", "--size=" + size));
      out.put("randread", randomReads(label, at, size, seconds));
    }
    if (runs("metadata")) {
      metadata(label, at, out, files);
    }
    System.err.println(label + ": " + out);
    return out;
  }

  /**
   * Runs each kind of job on a directory twice, unmeasured: the daemon and the servers start with
   * cold JITs (and so does this JVM, which runs the metadata rows), and the first minute would
   * otherwise be measured against warm local baselines.
   */
  private void warmUp(Path at) throws Exception {
    // Two rounds: C2 keeps compiling the metadata path for thousands of operations (creates
    // measured here went from ~900/s on the first round to ~1,750/s by the fourth).
    String size = Math.min(mib, 256) + "M";
    for (int round = 0; round < 2; round++) {
      if (runs("data")) {
        bandwidth("warm-up", at, "write", "--size=" + size);
        bandwidth("warm-up", at, "read", "--size=" + size);
        randomReads("warm-up", at, size, 3);
      }
      if (runs("metadata")) {
        metadata("warm-up", at, new LinkedHashMap<>(), files);
      }
    }
  }

  /** MB/s of a 1 MiB sequential fio job ("read" or "write"). */
  private double bandwidth(String label, Path at, String rw, String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("--rw=" + rw, "--bs=1M"));
    args.addAll(List.of(more));
    return fio(label, at, rw, args).get(rw).get("bw_bytes").asDouble() / 1e6;
  }

  /** IOPS of 4 KiB O_DIRECT random reads, 4 jobs at queue depth 32, on the sequential file. */
  private double randomReads(String label, Path at, String size, int runSeconds) throws Exception {
    return fio(
            label,
            at,
            "randread",
            List.of(
                "--rw=randread",
                "--bs=4k",
                "--size=" + size,
                "--filename=" + at.resolve("seq.0.0"),
                "--ioengine=libaio",
                "--direct=1",
                "--iodepth=32",
                "--numjobs=4",
                "--time_based",
                "--runtime=" + runSeconds,
                "--group_reporting"))
        .get("read")
        .get("iops")
        .asDouble();
  }

  /** fio's JSON result of one job ("jobs"[0]). */
  private JsonNode fio(String label, Path at, String job, List<String> args) throws Exception {
    System.err.println(label + ": fio " + job + "...");
    List<String> command = new ArrayList<>(List.of("fio", "--name=seq", "--directory=" + at));
    command.addAll(args);
    command.add("--output-format=json");
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("fio " + job + " on " + at + " failed: " + output);
    }
    return new ObjectMapper().readTree(output.substring(output.indexOf('{'))).get("jobs").get(0);
  }

  /** Creates, cold stats and unlinks of {@code files} files in each of {@code threads} dirs. */
  private void metadata(String label, Path at, Map<String, Double> out, int files)
      throws Exception {
    System.err.println(label + ": create, stat, unlink...");
    List<Path> dirs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      dirs.add(Files.createDirectories(at.resolve("meta-" + t)));
    }
    out.put("create", phase(dirs, files, Files::createFile));
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "2\n"); // dentries and inodes
    out.put("stat", phase(dirs, files, p -> Files.readAttributes(p, "unix:ino")));
    out.put("unlink", phase(dirs, files, Files::delete));
    for (Path d : dirs) {
      Files.delete(d);
    }
  }

  interface FileOp {
    void apply(Path p) throws IOException;
  }

  private static double phase(List<Path> dirs, int files, FileOp op) throws Exception {
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newFixedThreadPool(dirs.size())) {
      List<Future<?>> done = new ArrayList<>();
      for (Path d : dirs) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < files; i++) {
                    op.apply(d.resolve("f" + i));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    return (double) dirs.size() * files / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * The Java client reading the same file (from cold caches, or with every replica's cache warm
   * right after the write), the best of 1 MiB and 4 MiB requests (a 4 MiB read spans the 4 chains
   * of a stripe at once), in MB/s.
   */
  private double javaClientRead(String path, boolean cold) throws Exception {
    double best = 0;
    try (J3fsClient client =
        J3fsClient.connect(List.of(Endpoint.parse(mgmtd)), UserInfo.getDefaultInstance())) {
      // Unmeasured: the client's JIT warms up on one pass of the file (the warm rows come first,
      // with every replica's cache warm, so this pass changes nothing there).
      try (J3fsClient.J3fsFile file = client.open("/" + path, false)) {
        for (long at = 0; at < file.length(); at += 4 << 20) {
          file.read(at, 4 << 20).release();
        }
      }
      for (int request : new int[] {1 << 20, 4 << 20}) {
        if (cold) {
          RawDisk.dropCaches();
        }
        long start = System.nanoTime();
        long bytes = 0;
        try (J3fsClient.J3fsFile file = client.open("/" + path, false)) {
          long length = file.length();
          for (long at = 0; at < length; at += request) {
            ByteBuf data = file.read(at, request);
            bytes += data.readableBytes();
            data.release();
          }
        }
        double rate = bytes / ((System.nanoTime() - start) / 1e9) / 1e6;
        System.err.printf(
            "Java client, %d MiB reads, %s: %.0f MB/s%n",
            request >> 20, cold ? "cold" : "warm", rate);
        best = Math.max(best, rate);
      }
    }
    return best;
  }

  private static int run(List<String> command) {
    try {
      return new ProcessBuilder(command).inheritIO().start().waitFor();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }
}
