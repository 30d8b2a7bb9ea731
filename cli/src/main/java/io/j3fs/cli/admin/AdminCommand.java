package io.j3fs.cli.admin;

import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.mgmtd.placement.ChainTableGenerator;
import io.j3fs.mgmtd.placement.Disk;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.mgmtd.GetRoutingInfoReq;
import io.j3fs.proto.mgmtd.GetRoutingInfoRsp;
import io.j3fs.proto.mgmtd.RoutingChain;
import io.j3fs.proto.mgmtd.RoutingNode;
import io.j3fs.proto.mgmtd.RoutingTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code j3fs admin ...}: cluster administration. Each command prints a table, or JSON with {@code
 * --json}.
 */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    description = "Cluster administration and file commands.",
    subcommands = {
      AdminCommand.ListNodes.class,
      AdminCommand.ListTargets.class,
      AdminCommand.ListChains.class,
      AdminCommand.ListChainTables.class,
      AdminCommand.GenChainTable.class,
      AdminCommand.CreateTargets.class,
      AdminCommand.UploadChains.class,
      AdminCommand.UploadChainTable.class,
      AdminCommand.SetConfig.class,
      AdminCommand.GetConfig.class,
      AdminCommand.EnableNode.class,
      AdminCommand.DisableNode.class,
      AdminCommand.OfflineTarget.class,
      FileCommands.Ls.class,
      FileCommands.Stat.class,
      FileCommands.Mkdir.class,
      FileCommands.Rm.class,
      FileCommands.Mv.class,
      FileCommands.Cat.class,
      FileCommands.Put.class,
      FileCommands.Get.class,
      FileCommands.Du.class,
      FileCommands.SetLayout.class
    })
public final class AdminCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Options every command that talks to mgmtd shares. */
  static final class MgmtdOptions {
    @Option(
        names = "--mgmtd",
        required = true,
        description =
            "Mgmtd addresses, host:port, comma separated (the primary is found among them).")
    String mgmtd;

    @Option(
        names = "--token",
        defaultValue = "",
        description = "Shared secret, if the cluster requires one.")
    String token;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    /** Fetches routing info from the primary. */
    GetRoutingInfoRsp routingInfo() {
      return call(
          "Mgmtd.GetRoutingInfo", GetRoutingInfoReq.getDefaultInstance(), GetRoutingInfoRsp.class);
    }

    /**
     * Calls a mgmtd method on the primary, found among the given instances; retries across a
     * failover a few times, then fails with the status.
     */
    <T extends com.google.protobuf.Message> T call(
        String method, com.google.protobuf.Message request, Class<T> type) {
      List<Endpoint> endpoints = new ArrayList<>();
      for (String address : mgmtd.split(",")) {
        endpoints.add(Endpoint.parse(address.trim()));
      }
      try (NettyTransport transport = new NettyTransport(NettyTransport.Io.best(), 1);
          RpcClient client = transport.client(ClientOptions.DEFAULT.withToken(token))) {
        MgmtdClient mgmtdClient =
            new MgmtdClient(client, new MgmtdClient.Config(endpoints, 10_000, 6, 200, 2_000));
        return mgmtdClient.call(method, request, type);
      }
    }
  }

  @Command(
      name = "list-nodes",
      mixinStandardHelpOptions = true,
      description = "List the nodes mgmtd knows.")
  static final class ListNodes implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Override
    public Integer call() throws Exception {
      Output out = new Output("node", "type", "address", "status");
      for (RoutingNode node : options.routingInfo().getNodesList()) {
        out.row(
            node.getNodeId(),
            node.getType(),
            node.getAddress(),
            node.getDisabled() ? "DISABLED" : node.getFailed() ? "HEARTBEAT_FAILED" : "CONNECTED");
      }
      out.print(System.out, options.json);
      return 0;
    }
  }

  @Command(
      name = "list-targets",
      mixinStandardHelpOptions = true,
      description = "List storage targets.")
  static final class ListTargets implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Override
    public Integer call() throws Exception {
      GetRoutingInfoRsp info = options.routingInfo();
      Output out =
          new Output(
              "target", "node", "disk", "chain", "public_state", "local_state", "used_bytes");
      for (RoutingTarget target : info.getTargetsList()) {
        String publicState = "";
        for (RoutingChain chain : info.getChainsList()) {
          for (RoutingChain.Member member : chain.getMembersList()) {
            if (member.getTargetId() == target.getTargetId()) {
              publicState = member.getPublicState();
            }
          }
        }
        out.row(
            target.getTargetId(),
            target.getNodeId(),
            target.getDiskIndex(),
            target.getChainId() == 0 ? "-" : target.getChainId(),
            publicState.isEmpty() ? "-" : publicState,
            target.getLocalState(),
            target.getUsedBytes());
      }
      out.print(System.out, options.json);
      return 0;
    }
  }

  @Command(
      name = "list-chains",
      mixinStandardHelpOptions = true,
      description = "List chains, head first.")
  static final class ListChains implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Override
    public Integer call() throws Exception {
      Output out = new Output("chain", "version", "targets");
      for (RoutingChain chain : options.routingInfo().getChainsList()) {
        List<String> members = new ArrayList<>();
        for (RoutingChain.Member member : chain.getMembersList()) {
          members.add(member.getTargetId() + "(" + member.getPublicState() + ")");
        }
        out.row(chain.getChainId(), chain.getVersion(), String.join(" ", members));
      }
      out.print(System.out, options.json);
      return 0;
    }
  }

  @Command(
      name = "list-chain-tables",
      mixinStandardHelpOptions = true,
      description = "List chain tables.")
  static final class ListChainTables implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Override
    public Integer call() throws Exception {
      Output out = new Output("table", "version", "chains");
      for (io.j3fs.proto.mgmtd.RoutingChainTable table :
          options.routingInfo().getChainTablesList()) {
        out.row(table.getTableId(), table.getVersion(), table.getChainIdsList().size());
      }
      out.print(System.out, options.json);
      return 0;
    }
  }

  /**
   * Reads a chain file as gen-chain-table prints it: a header line, then "chain target target ...".
   */
  static List<List<Long>> readChainFile(java.nio.file.Path file) throws java.io.IOException {
    List<List<Long>> chains = new ArrayList<>();
    for (String line : java.nio.file.Files.readAllLines(file)) {
      String trimmed = line.trim();
      if (!trimmed.matches("[0-9]+(\\s+[0-9]+)+")) {
        continue; // header, summary line
      }
      List<Long> numbers = new ArrayList<>();
      for (String field : trimmed.split("\\s+")) {
        numbers.add(Long.parseLong(field));
      }
      chains.add(numbers);
    }
    return chains;
  }

  @Command(
      name = "upload-chains",
      mixinStandardHelpOptions = true,
      description =
          "Create the chains (and their targets) of a file printed by gen-chain-table. Target ids follow its"
              + " convention: node * 1000 + disk * 100 + slot.")
  static final class UploadChains implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Option(names = "--file", required = true, description = "The chain file.")
    java.nio.file.Path file;

    @Override
    public Integer call() throws Exception {
      io.j3fs.proto.mgmtd.SetChainsReq.Builder request =
          io.j3fs.proto.mgmtd.SetChainsReq.newBuilder();
      for (List<Long> line : readChainFile(file)) {
        io.j3fs.proto.mgmtd.ChainSpec.Builder chain =
            io.j3fs.proto.mgmtd.ChainSpec.newBuilder().setChainId(line.getFirst());
        for (long target : line.subList(1, line.size())) {
          chain.addTargets(
              io.j3fs.proto.mgmtd.TargetSpec.newBuilder()
                  .setTargetId(target)
                  .setNodeId(target / 1000)
                  .setDiskIndex((int) (target % 1000 / 100)));
        }
        request.addChains(chain);
      }
      io.j3fs.proto.mgmtd.SetChainsRsp response =
          options.call("Mgmtd.SetChains", request.build(), io.j3fs.proto.mgmtd.SetChainsRsp.class);
      System.out.println(
          "created "
              + request.getChainsCount()
              + " chains; routing version "
              + response.getRoutingVersion());
      return 0;
    }
  }

  @Command(
      name = "upload-chain-table",
      mixinStandardHelpOptions = true,
      description = "Store a new version of a chain table made of the chains of a chain file.")
  static final class UploadChainTable implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Option(names = "--table-id", required = true, description = "Chain table id (non-zero).")
    int tableId;

    @Option(
        names = "--file",
        required = true,
        description = "A chain file; its chain ids form the table.")
    java.nio.file.Path file;

    @Override
    public Integer call() throws Exception {
      io.j3fs.proto.mgmtd.SetChainTableReq.Builder request =
          io.j3fs.proto.mgmtd.SetChainTableReq.newBuilder().setTableId(tableId);
      readChainFile(file).forEach(line -> request.addChainIds(line.getFirst()));
      io.j3fs.proto.mgmtd.SetChainTableRsp response =
          options.call(
              "Mgmtd.SetChainTable", request.build(), io.j3fs.proto.mgmtd.SetChainTableRsp.class);
      System.out.println("chain table " + tableId + " is now at version " + response.getVersion());
      return 0;
    }
  }

  @Command(
      name = "set-config",
      mixinStandardHelpOptions = true,
      description =
          "Store a new version of the config of a type of service; the services pick it up by version.")
  static final class SetConfig implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Option(
        names = "--type",
        required = true,
        description = "STORAGE, META, CLIENT, FUSE or MGMTD.")
    String type;

    @Option(names = "--file", required = true, description = "The config file (TOML).")
    java.nio.file.Path file;

    @Override
    public Integer call() throws Exception {
      io.j3fs.proto.mgmtd.SetConfigRsp response =
          options.call(
              "Mgmtd.SetConfig",
              io.j3fs.proto.mgmtd.SetConfigReq.newBuilder()
                  .setNodeType(type)
                  .setContent(java.nio.file.Files.readString(file))
                  .build(),
              io.j3fs.proto.mgmtd.SetConfigRsp.class);
      System.out.println(type + " config is now at version " + response.getVersion());
      return 0;
    }
  }

  @Command(
      name = "get-config",
      mixinStandardHelpOptions = true,
      description = "Print the latest config of a type of service.")
  static final class GetConfig implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Option(
        names = "--type",
        required = true,
        description = "STORAGE, META, CLIENT, FUSE or MGMTD.")
    String type;

    @Override
    public Integer call() throws Exception {
      io.j3fs.proto.mgmtd.GetConfigRsp response =
          options.call(
              "Mgmtd.GetConfig",
              io.j3fs.proto.mgmtd.GetConfigReq.newBuilder().setNodeType(type).build(),
              io.j3fs.proto.mgmtd.GetConfigRsp.class);
      if (options.json) {
        Output out = new Output("type", "version", "content");
        out.row(type, response.getVersion(), response.getContent());
        out.print(System.out, true);
      } else {
        System.out.println("# " + type + " config, version " + response.getVersion());
        System.out.print(response.getContent());
      }
      return 0;
    }
  }

  /** Disables or enables a node: the two commands differ only in the request they send. */
  private static int setNodeEnabled(MgmtdOptions options, long node, boolean enable)
      throws Exception {
    if (enable) {
      options.call(
          "Mgmtd.EnableNode",
          io.j3fs.proto.mgmtd.EnableNodeReq.newBuilder().setNodeId(node).build(),
          io.j3fs.proto.mgmtd.EnableNodeRsp.class);
    } else {
      options.call(
          "Mgmtd.DisableNode",
          io.j3fs.proto.mgmtd.DisableNodeReq.newBuilder().setNodeId(node).build(),
          io.j3fs.proto.mgmtd.DisableNodeRsp.class);
    }
    System.out.println("node " + node + (enable ? " enabled" : " disabled"));
    return 0;
  }

  @Command(
      name = "disable-node",
      mixinStandardHelpOptions = true,
      description =
          "Take a node out of service: its targets count as offline and leave their chains.")
  static final class DisableNode implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Option(names = "--node", required = true, description = "Node id.")
    long node;

    @Override
    public Integer call() throws Exception {
      return setNodeEnabled(options, node, false);
    }
  }

  @Command(
      name = "enable-node",
      mixinStandardHelpOptions = true,
      description = "Return a disabled node to service: its targets resync and serve again.")
  static final class EnableNode implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Option(names = "--node", required = true, description = "Node id.")
    long node;

    @Override
    public Integer call() throws Exception {
      return setNodeEnabled(options, node, true);
    }
  }

  @Command(
      name = "create-targets",
      mixinStandardHelpOptions = true,
      description =
          "Place targets on storage nodes before chains name them: --node N --disk D --count C makes"
              + " targets N*1000 + D*100 + 1..C (gen-chain-table's numbering), or --targets lists ids.")
  static final class CreateTargets implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Option(names = "--node", required = true, description = "Storage node id.")
    long node;

    @Option(
        names = "--disk",
        defaultValue = "0",
        description = "Disk index on the node. Default: ${DEFAULT-VALUE}.")
    int disk;

    @Option(names = "--count", description = "How many targets (numbered as gen-chain-table does).")
    Integer count;

    @Option(names = "--targets", split = ",", description = "Explicit target ids.")
    List<Long> targets;

    @Override
    public Integer call() {
      List<Long> ids = new ArrayList<>();
      if (targets != null) {
        ids.addAll(targets);
      } else if (count != null && count > 0 && count < 100) {
        for (int slot = 1; slot <= count; slot++) {
          ids.add(node * 1000 + disk * 100L + slot);
        }
      } else {
        throw new picocli.CommandLine.ParameterException(
            new picocli.CommandLine(this), "give --targets, or --count from 1 to 99");
      }
      io.j3fs.proto.mgmtd.CreateTargetsReq.Builder request =
          io.j3fs.proto.mgmtd.CreateTargetsReq.newBuilder();
      for (long id : ids) {
        request.addTargets(
            io.j3fs.proto.mgmtd.TargetSpec.newBuilder()
                .setTargetId(id)
                .setNodeId(node)
                .setDiskIndex(disk));
      }
      io.j3fs.proto.mgmtd.CreateTargetsRsp response =
          options.call(
              "Mgmtd.CreateTargets", request.build(), io.j3fs.proto.mgmtd.CreateTargetsRsp.class);
      Output out = new Output("target", "node", "disk");
      ids.forEach(id -> out.row(id, node, disk));
      out.print(System.out, options.json);
      if (!options.json) {
        System.out.println(
            "created " + ids.size() + " targets; routing version " + response.getRoutingVersion());
      }
      return 0;
    }
  }

  @Command(
      name = "offline-target",
      mixinStandardHelpOptions = true,
      description =
          "Take a target out of its chain now; it rejoins through resync once its storage service"
              + " reports it recovering.")
  static final class OfflineTarget implements Callable<Integer> {
    @Mixin MgmtdOptions options;

    @Option(names = "--target", required = true, description = "Target id.")
    long target;

    @Override
    public Integer call() {
      io.j3fs.proto.mgmtd.OfflineTargetRsp response =
          options.call(
              "Mgmtd.OfflineTarget",
              io.j3fs.proto.mgmtd.OfflineTargetReq.newBuilder().setTargetId(target).build(),
              io.j3fs.proto.mgmtd.OfflineTargetRsp.class);
      System.out.println(
          "target " + target + " is offline; routing version " + response.getRoutingVersion());
      return 0;
    }
  }

  @Command(
      name = "gen-chain-table",
      mixinStandardHelpOptions = true,
      description =
          "Generate a balanced chain table: every disk carries the same number of targets, no chain has two"
              + " replicas on one node, and a failed disk's reads spread evenly over the others.")
  static final class GenChainTable implements Callable<Integer> {
    @Option(
        names = "--nodes",
        required = true,
        description = "Storage node ids, comma separated.",
        split = ",")
    List<Long> nodes;

    @Option(
        names = "--disks-per-node",
        defaultValue = "1",
        description = "Disks on each node. Default: ${DEFAULT-VALUE}.")
    int disksPerNode;

    @Option(
        names = "--targets-per-disk",
        required = true,
        description = "Targets (chain slots) on each disk.")
    int targetsPerDisk;

    @Option(
        names = "--replicas",
        defaultValue = "3",
        description = "Replication factor. Default: ${DEFAULT-VALUE}.")
    int replicas;

    @Option(
        names = "--seed",
        defaultValue = "1",
        description = "Seed of the search. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
      List<Disk> disks = new ArrayList<>();
      for (long node : nodes) {
        for (int d = 0; d < disksPerNode; d++) {
          disks.add(Disk.of(node, d));
        }
      }
      ChainTableGenerator.Result table;
      try {
        table = ChainTableGenerator.generate(disks, targetsPerDisk, replicas, seed);
      } catch (IllegalArgumentException e) {
        System.err.println("j3fs admin gen-chain-table: " + e.getMessage());
        return 2;
      }
      // Target ids: node * 1000 + disk * 100 + slot on that disk (1-based), as operators read them.
      int[] nextSlot = new int[disks.size()];
      Output out = new Output("chain", "targets");
      int chainId = 1;
      for (List<Integer> chain : table.chains()) {
        List<String> targets = new ArrayList<>();
        for (int disk : chain) {
          Disk d = disks.get(disk);
          targets.add(
              Long.toString(d.node().value() * 1000 + d.diskIndex() * 100L + (++nextSlot[disk])));
        }
        out.row(chainId++, String.join(" ", targets));
      }
      out.print(System.out, json);
      if (!json) {
        System.out.printf(
            "%d chains; worst max/min survivor read load after one disk failure: %.3f (1.000 is even)%n",
            table.chains().size(), table.worstSurvivorLoadRatio());
      }
      return 0;
    }
  }
}
