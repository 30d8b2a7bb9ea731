package io.j3fs.cli.local;

import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.fuse.kernel.Mounts;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.mgmtd.ChainSpec;
import io.j3fs.proto.mgmtd.GetRoutingInfoReq;
import io.j3fs.proto.mgmtd.GetRoutingInfoRsp;
import io.j3fs.proto.mgmtd.SetChainTableReq;
import io.j3fs.proto.mgmtd.SetChainTableRsp;
import io.j3fs.proto.mgmtd.SetChainsReq;
import io.j3fs.proto.mgmtd.SetChainsRsp;
import io.j3fs.proto.mgmtd.TargetSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j3fs up}: a whole cluster on this machine, left running: mgmtd and meta on RocksDB, three
 * storage processes, {@code --chains} 3-replica chains (one target of each on every node, the
 * balanced layout for three nodes) in chain table 1, and a FUSE mount at {@code --mount} (as root,
 * where /dev/fuse exists). Safe to run again: what runs is left alone, what is missing is started,
 * chains are made only once, and a mount a crashed daemon left is replaced.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description =
        "Start a local cluster (mgmtd, meta, 3 storage nodes) mounted at ./mnt that keeps running;"
            + " stop it with j3fs down.")
public final class UpCommand implements Callable<Integer> {
  @Option(
      names = "--data",
      defaultValue = "data",
      description = "Directory for data, configs, logs and pids.")
  Path data;

  @Option(
      names = "--base-port",
      defaultValue = "9000",
      description = "mgmtd's port; meta takes +1, storage +11..+13.")
  int basePort;

  @Option(
      names = "--chains",
      defaultValue = "4",
      description = "3-replica chains to create on first start.")
  int chains;

  @Option(
      names = "--mount",
      defaultValue = "mnt",
      description = "Where to mount it with FUSE (needs root and /dev/fuse).")
  Path mount;

  @Option(names = "--no-mount", description = "Start the cluster without a FUSE mount.")
  boolean noMount;

  @Override
  public Integer call() throws Exception {
    long started = System.nanoTime();
    Deployment d = new Deployment(data, basePort);
    d.writeConfigs();
    try (NettyTransport transport = new NettyTransport(NettyTransport.Io.best(), 1);
        RpcClient rpc = transport.client(ClientOptions.DEFAULT)) {
      MgmtdClient mgmtd =
          new MgmtdClient(rpc, new MgmtdClient.Config(List.of(d.mgmtd()), 2_000, 50, 100, 500));
      report(d, "mgmtd", d.start("mgmtd"));
      LocalCluster.await(
          "mgmtd to answer (log: " + d.log("mgmtd") + ")",
          () ->
              mgmtd.call(
                      "Mgmtd.GetRoutingInfo",
                      GetRoutingInfoReq.getDefaultInstance(),
                      GetRoutingInfoRsp.class)
                  != null);
      for (int n = 1; n <= Deployment.STORAGE_NODES; n++) {
        report(d, "storage-" + n, d.start("storage-" + n));
      }
      LocalCluster.await(
          "the storage nodes to register",
          () ->
              mgmtd.refreshRouting().nodesOfType(NodeType.STORAGE).size()
                  == Deployment.STORAGE_NODES);
      if (mgmtd.refreshRouting().chains().isEmpty()) {
        createChains(mgmtd);
        System.out.println("created " + chains + " chains of 3 replicas and chain table 1");
      }
      LocalCluster.await(
          "every target to be up to date",
          () -> {
            RoutingInfo r = mgmtd.refreshRouting();
            return !r.targets().isEmpty()
                && r.targets().values().stream()
                    .allMatch(t -> t.localState() == LocalState.UP_TO_DATE);
          });
      report(d, "meta", d.start("meta"));
      LocalCluster.await(
          "meta to register (log: " + d.log("meta") + ")",
          () -> !mgmtd.refreshRouting().nodesOfType(NodeType.META).isEmpty());
    }
    boolean mounted = !noMount && mount(d);
    System.out.printf(
        "j3fs is up in %.1f s: mgmtd %s, meta %s, storage %s..%s%n",
        (System.nanoTime() - started) / 1e9,
        d.mgmtd(),
        d.meta(),
        d.storage(1),
        d.storage(Deployment.STORAGE_NODES));
    if (mounted) {
      System.out.println("  mounted at:       " + mount.toAbsolutePath().normalize());
    }
    System.out.println("  data and configs: " + d.dir());
    System.out.println("  logs:             " + d.dir().resolve("logs"));
    System.out.println(
        "  try:              ./j3fs admin put <local file> /<name>; ./j3fs admin ls /");
    System.out.println(
        "  stop:             ./j3fs down"
            + (data.toString().equals("data") ? "" : " --data " + data));
    return 0;
  }

  /** Starts the FUSE daemon and waits for its mount; false when this machine cannot mount. */
  private boolean mount(Deployment d) throws Exception {
    if (!"root".equals(System.getProperty("user.name")) || !Files.exists(Path.of("/dev/fuse"))) {
      System.out.println("  not mounted: a FUSE mount needs root and /dev/fuse");
      return false;
    }
    Path mnt = mount.toAbsolutePath().normalize();
    if (!Mounts.mounted(mnt)) {
      Files.createDirectories(mnt);
    }
    d.writeFuseConfig(mnt);
    report(d, "fuse", d.start("fuse"));
    LocalCluster.await(
        "the mount at " + mnt + " (log: " + d.log("fuse") + ")",
        () -> Mounts.mounted(mnt) && Files.isDirectory(mnt) && d.running("fuse").isPresent());
    return true;
  }

  private static void report(Deployment d, String name, long pid) {
    System.out.println("  " + name + " running, pid " + pid + ", log " + d.log(name));
  }

  private void createChains(MgmtdClient mgmtd) {
    SetChainsReq.Builder request = SetChainsReq.newBuilder();
    SetChainTableReq.Builder table = SetChainTableReq.newBuilder().setTableId(1);
    for (int c = 1; c <= chains; c++) {
      ChainSpec.Builder chain = ChainSpec.newBuilder().setChainId(c);
      for (int k = 0; k < Deployment.STORAGE_NODES; k++) {
        // Rotate the order so each node heads some chains (writes spread over the nodes).
        int n = (c - 1 + k) % Deployment.STORAGE_NODES + 1;
        chain.addTargets(
            TargetSpec.newBuilder()
                .setTargetId(LocalCluster.target(n, c))
                .setNodeId(LocalCluster.storageNodeId(n)));
      }
      request.addChains(chain);
      table.addChainIds(c);
    }
    mgmtd.call("Mgmtd.SetChains", request.build(), SetChainsRsp.class);
    mgmtd.call("Mgmtd.SetChainTable", table.build(), SetChainTableRsp.class);
  }
}
