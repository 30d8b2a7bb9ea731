package io.j3fs.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.cli.CliRun;
import io.j3fs.fuse.kernel.Mounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code j3fs up} starts a cluster that keeps running and mounts it, a second {@code up} leaves it
 * alone, the file commands and the mount work on it, and {@code j3fs down} unmounts and leaves no
 * process behind; the data survives a down and up.
 */
class UpDownTest {
  @TempDir Path dir;

  @Test
  void upFileCommandsDownAndUpAgain() throws Exception {
    Path data = dir.resolve("data");
    int base = 20_000 + ThreadLocalRandom.current().nextInt(1_000) * 10;
    String port = String.valueOf(base);
    String mgmtd = "127.0.0.1:" + base;
    Deployment deployment = new Deployment(data, base);
    Path mnt = dir.resolve("mnt");
    try {
      CliRun up =
          CliRun.run(
              "up",
              "--data",
              data.toString(),
              "--base-port",
              port,
              "--chains",
              "2",
              "--mount",
              mnt.toString());
      assertThat(up.exitCode()).as(up.out() + up.err()).isZero();
      assertThat(up.out()).contains("j3fs is up", "created 2 chains");
      for (String name : Deployment.names()) {
        assertThat(deployment.running(name)).as(name).isPresent();
      }
      assertThat(up.out()).contains("mounted at:       " + mnt);
      assertThat(Mounts.mounted(mnt)).isTrue();
      CliRun again =
          CliRun.run(
              "up", "--data", data.toString(), "--base-port", port, "--mount", mnt.toString());
      assertThat(again.exitCode()).isZero();
      assertThat(again.out()).doesNotContain("created");

      byte[] content = new byte[3 * (1 << 20) + 12_345];
      new Random(9).nextBytes(content);
      Path local = dir.resolve("in.bin");
      Files.write(local, content);
      assertThat(admin(mgmtd, "mkdir", "-p", "/x/y").exitCode()).isZero();
      assertThat(admin(mgmtd, "put", "--quiet", local.toString(), "/x/y/f.bin").exitCode())
          .isZero();
      assertThat(admin(mgmtd, "ls", "/x/y").out()).isEqualTo("f.bin\n");
      assertThat(admin(mgmtd, "ls", "-l", "/x").out()).startsWith("d0755").endsWith(" y\n");
      assertThat(admin(mgmtd, "stat", "/x/y/f.bin").out()).contains("size: " + content.length);
      Path back = dir.resolve("out.bin");
      assertThat(admin(mgmtd, "get", "--quiet", "/x/y/f.bin", back.toString()).exitCode()).isZero();
      assertThat(Files.readAllBytes(back)).isEqualTo(content);
      assertThat(Files.readAllBytes(mnt.resolve("x/y/f.bin")))
          .as("what the client put reads the same through the mount")
          .isEqualTo(content);
      Files.writeString(mnt.resolve("x/from-mount.txt"), "through FUSE\n");
      assertThat(admin(mgmtd, "cat", "/x/from-mount.txt").out()).isEqualTo("through FUSE\n");
      Files.delete(mnt.resolve("x/from-mount.txt"));
      assertThat(scrape(deployment.metrics("fuse")))
          .contains("j3fs_fuse_requests_seconds_count{op=\"CREATE\",outcome=\"OK\"}")
          .contains("j3fs_fuse_requests_seconds_count{op=\"UNLINK\",outcome=\"OK\"}")
          .contains("jvm_memory_used_bytes");
      assertThat(admin(mgmtd, "mv", "/x/y/f.bin", "/x/g.bin").exitCode()).isZero();
      String metaMetrics = scrape(deployment.metrics("meta"));
      assertThat(metaMetrics)
          .contains("j3fs_rpc_server_seconds_count{method=\"Meta.Create\",status=\"OK\"}")
          .contains("j3fs_rpc_server_seconds_count{method=\"Meta.Rename\",status=\"OK\"}")
          .contains("jvm_memory_used_bytes");
      String storageMetrics = scrape(deployment.metrics("storage-1"));
      assertThat(storageMetrics)
          .contains("j3fs_storage_bytes_written_total")
          .contains("j3fs_storage_targets{node=\"101\",state=\"UP_TO_DATE\"} 2.0")
          .contains("method=\"Storage.Write\"");
      assertThat(admin(mgmtd, "du", "/x").out())
          .contains(content.length + " bytes in 1 files and 2 directories");
      assertThat(admin(mgmtd, "set-layout", "--chunk-size", "4194304", "/x/y").exitCode()).isZero();
      CliRun notEmpty = admin(mgmtd, "rm", "/x");
      assertThat(notEmpty.exitCode()).isEqualTo(1);
      assertThat(notEmpty.err()).contains("NOT_EMPTY");
      assertThat(admin(mgmtd, "cat", "/x/missing").err()).contains("NOT_FOUND");
      Path text = dir.resolve("note.txt");
      Files.writeString(text, "line one\nline two\n");
      assertThat(admin(mgmtd, "put", "--quiet", text.toString(), "/x/note.txt").exitCode())
          .isZero();
      assertThat(admin(mgmtd, "cat", "/x/note.txt").out()).isEqualTo("line one\nline two\n");
      assertThat(admin(mgmtd, "mv", "/only-one").exitCode()).as("usage error").isEqualTo(2);

      CliRun down = CliRun.run("down", "--data", data.toString());
      assertThat(down.exitCode()).isZero();
      for (String name : Deployment.names()) {
        assertThat(deployment.running(name)).as(name + " after down").isEmpty();
      }
      assertThat(Mounts.mounted(mnt)).as("down unmounts").isFalse();
      assertThat(
              CliRun.run(
                      "up",
                      "--data",
                      data.toString(),
                      "--base-port",
                      port,
                      "--mount",
                      mnt.toString())
                  .exitCode())
          .isZero();
      assertThat(Files.readAllBytes(mnt.resolve("x/g.bin"))).isEqualTo(content);
      Path copy = dir.resolve("again.bin");
      assertThat(admin(mgmtd, "get", "--quiet", "/x/g.bin", copy.toString()).exitCode()).isZero();
      assertThat(Files.readAllBytes(copy)).as("data kept across down and up").isEqualTo(content);
      assertThat(admin(mgmtd, "rm", "-r", "/x").exitCode()).isZero();
    } finally {
      CliRun.run("down", "--data", data.toString());
      for (String name : Deployment.names()) {
        assertThat(deployment.running(name)).as(name + " left running").isEmpty();
      }
      assertThat(Mounts.mounted(mnt)).as("left mounted").isFalse();
    }
  }

  private static String scrape(io.j3fs.net.Endpoint at) throws Exception {
    try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
      return http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + at + "/metrics"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }

  private static CliRun admin(String mgmtd, String... args) {
    String[] full = new String[args.length + 3];
    full[0] = "admin";
    System.arraycopy(args, 0, full, 1, args.length);
    full[args.length + 1] = "--mgmtd";
    full[args.length + 2] = mgmtd;
    return CliRun.run(full);
  }
}
