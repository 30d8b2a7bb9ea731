package io.j3fs.bench;

import io.j3fs.bench.kv.KvBenchmark;
import io.j3fs.bench.rpc.RpcBenchmark;
import io.j3fs.bench.storage.StorageBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code j3fs bench}: workload benchmarks that print a table (and optionally JSON), each figure
 * beside a baseline measured in the same run. Results go to docs/benchmarks.md with the command
 * that produced them.
 */
@Command(
    name = "j3fs bench",
    mixinStandardHelpOptions = true,
    subcommands = {
      KvBenchmark.class,
      RpcBenchmark.class,
      StorageBenchmark.class,
      io.j3fs.bench.meta.MetaBenchmark.class,
      io.j3fs.bench.cluster.ClusterBenchmark.class,
      io.j3fs.bench.fuse.FuseBenchmark.class
    },
    description = "Benchmarks. Each prints a table with a same-run baseline.")
public final class BenchMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
