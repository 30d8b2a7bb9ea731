package io.j3fs.storage.cluster;

import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.client.storage.StorageClient;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.mgmtd.lease.LeaseElection;
import io.j3fs.mgmtd.service.MgmtdServer;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.inproc.InProcessNetwork;
import io.j3fs.proto.mgmtd.ChainSpec;
import io.j3fs.proto.mgmtd.SetChainsReq;
import io.j3fs.proto.mgmtd.SetChainsRsp;
import io.j3fs.proto.mgmtd.TargetSpec;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.craq.Forwarder;
import io.j3fs.storage.service.StorageServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A whole storage cluster in one JVM: one mgmtd on the memory KV store, storage nodes with memory
 * targets, all on the in-process network, with intervals shortened so that failure detection and
 * resync take a second or two (heartbeats every 50 ms, a node is failed after 600 ms of silence).
 * Chain c (1-based) has targets node * 100 + c on every node, head first in node order.
 */
public final class StorageCluster implements AutoCloseable {
  public static final int CHUNK_SIZE = 1 << 20;

  private final InProcessNetwork network;
  private final MemoryKvEngine kv = new MemoryKvEngine();
  private final MgmtdServer mgmtd;
  private final Dispatcher mgmtdDispatcher = new Dispatcher();
  private final Endpoint mgmtdEndpoint = new Endpoint("mgmtd", 9000);
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("mgmtd-ticker").factory());
  private final int nodes;
  private final Map<Integer, MemoryTargets> targets = new HashMap<>();
  private final Map<Integer, Node> running = new HashMap<>();
  private final List<RpcClient> clients = new ArrayList<>();
  private final ChunkEngine.Config engineConfig;
  private final long forwardTimeoutMs;

  private record Node(
      StorageServer server, RpcServer endpoint, Dispatcher dispatcher, RpcClient rpc) {}

  public StorageCluster(long seed, int nodes, int chains) {
    this(seed, nodes, chains, ChunkEngine.Config.DEFAULT, 20_000, false);
  }

  /** With {@code parallelReads}, servers issue the reads of a batch at once (as for O_DIRECT). */
  public StorageCluster(long seed, int nodes, int chains, boolean parallelReads) {
    this(seed, nodes, chains, ChunkEngine.Config.DEFAULT, 20_000, parallelReads);
  }

  public StorageCluster(
      long seed, int nodes, int chains, ChunkEngine.Config engineConfig, long forwardTimeoutMs) {
    this(seed, nodes, chains, engineConfig, forwardTimeoutMs, false);
  }

  private StorageCluster(
      long seed,
      int nodes,
      int chains,
      ChunkEngine.Config engineConfig,
      long forwardTimeoutMs,
      boolean parallelReads) {
    this.network = new InProcessNetwork(seed);
    this.nodes = nodes;
    this.engineConfig = engineConfig;
    this.forwardTimeoutMs = forwardTimeoutMs;
    mgmtd =
        new MgmtdServer(
            kv,
            Clock.system(),
            NodeId.of(1),
            mgmtdEndpoint.toString(),
            "0.1.0",
            new MgmtdServer.Config(new LeaseElection.Config(10_000, 1_000), 600, 60_000));
    mgmtd.register(mgmtdDispatcher);
    network.serve(mgmtdEndpoint, mgmtdDispatcher, ServerOptions.DEFAULT);
    mgmtd.tick();
    ticker.scheduleWithFixedDelay(this::tick, 50, 50, TimeUnit.MILLISECONDS);
    for (int n = 1; n <= nodes; n++) {
      targets.put(n, new MemoryTargets(engineConfig, parallelReads));
      start(n);
    }
    SetChainsReq.Builder request = SetChainsReq.newBuilder();
    for (int c = 1; c <= chains; c++) {
      ChainSpec.Builder chain = ChainSpec.newBuilder().setChainId(c);
      for (int n = 1; n <= nodes; n++) {
        chain.addTargets(TargetSpec.newBuilder().setTargetId(target(n, c)).setNodeId(nodeId(n)));
      }
      request.addChains(chain);
    }
    newMgmtdClient().call("Mgmtd.SetChains", request.build(), SetChainsRsp.class);
    await(
        "every target created and serving",
        () -> {
          RoutingInfo routing = newMgmtdClient().refreshRouting();
          for (int n = 1; n <= nodes; n++) {
            Node node = running.get(n);
            for (int c = 1; c <= chains; c++) {
              var t = node.server().targets().byId(TargetId.of(target(n, c)));
              if (t == null || !t.readable()) {
                return false;
              }
            }
          }
          return routing.chains().size() == chains;
        });
  }

  private void tick() {
    try {
      mgmtd.tick();
    } catch (RuntimeException e) {
      // a tick may fail while the cluster is being torn down
    }
  }

  public static long nodeId(int n) {
    return 10L + n;
  }

  public static long target(int node, int chain) {
    return nodeId(node) * 100 + chain;
  }

  public static Endpoint endpoint(int n) {
    return new Endpoint("storage-" + n, 8000);
  }

  public MgmtdClient newMgmtdClient() {
    RpcClient rpc = network.client(ClientOptions.DEFAULT);
    synchronized (clients) {
      clients.add(rpc);
    }
    return new MgmtdClient(rpc, new MgmtdClient.Config(List.of(mgmtdEndpoint), 2_000, 20, 5, 100));
  }

  public StorageClient newStorageClient(String name) {
    return newStorageClient(name, 30_000);
  }

  public StorageClient newStorageClient(String name, long retryTotalMs) {
    RpcClient rpc = network.client(ClientOptions.DEFAULT.withClientName(name));
    synchronized (clients) {
      clients.add(rpc);
    }
    MgmtdClient m =
        new MgmtdClient(rpc, new MgmtdClient.Config(List.of(mgmtdEndpoint), 2_000, 20, 5, 100));
    return new StorageClient(rpc, m, name, new StorageClient.Config(2_000, retryTotalMs, 5, 200));
  }

  /** A raw RPC client on the cluster's network (for requests the storage client would not send). */
  public RpcClient newStorageClientRpc() {
    RpcClient rpc = network.client(ClientOptions.DEFAULT.withClientName("raw"));
    synchronized (clients) {
      clients.add(rpc);
    }
    return rpc;
  }

  /** Starts (or restarts) node n with whatever its targets hold. */
  public synchronized void start(int n) {
    RpcClient rpc = network.client(ClientOptions.DEFAULT.withClientName("storage-" + n));
    MgmtdClient m =
        new MgmtdClient(rpc, new MgmtdClient.Config(List.of(mgmtdEndpoint), 2_000, 20, 5, 100));
    try {
      StorageServer server =
          new StorageServer(
              new StorageServer.Config(
                  NodeId.of(nodeId(n)),
                  endpoint(n).toString(),
                  50,
                  100,
                  new Forwarder.Config(forwardTimeoutMs, 1_000),
                  100),
              targets.get(n),
              rpc,
              m);
      Dispatcher dispatcher = new Dispatcher();
      server.register(dispatcher);
      RpcServer endpoint = network.serve(endpoint(n), dispatcher, ServerOptions.DEFAULT);
      server.start();
      running.put(n, new Node(server, endpoint, dispatcher, rpc));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Kills node n: no clean shutdown, its connections break. */
  public synchronized void kill(int n) {
    Node node = running.remove(n);
    node.endpoint().close();
    node.server().crash();
    node.rpc().close();
    node.dispatcher().close();
  }

  /** Kills node n and forgets its targets' data (a replaced disk). */
  public synchronized void killAndWipe(int n) {
    kill(n);
    for (var id : List.copyOf(targets.get(n).existing().keySet())) {
      targets.get(n).wipe(id);
    }
  }

  public StorageServer server(int n) {
    return running.get(n).server();
  }

  public MemoryTargets targets(int n) {
    return targets.get(n);
  }

  public RoutingInfo.Chain chain(int c) {
    return newMgmtdClient().refreshRouting().chains().get(ChainId.of(c));
  }

  /** Whether every member of chain c is serving. */
  public boolean allServing(int c) {
    RoutingInfo.Chain chain = chain(c);
    return chain.members().stream().allMatch(m -> m.state() == PublicState.SERVING)
        && chain.members().size() == nodes;
  }

  /** The chunk engine of node n's target in chain c. */
  public io.j3fs.storage.chunk.ChunkEngine engine(int n, int c) {
    return server(n).targets().byId(TargetId.of(target(n, c))).engine();
  }

  /** The whole content of a chunk on node n's target in chain c, pending or not. */
  public byte[] replicaContent(int n, int c, io.j3fs.common.id.ChunkId chunk) {
    io.j3fs.storage.chunk.ChunkEngine.Read read = engine(n, c).readAll(chunk);
    try {
      byte[] out = new byte[read.bytes().readableBytes()];
      read.bytes().readBytes(out);
      return out;
    } finally {
      read.bytes().release();
    }
  }

  /** The chains as mgmtd has them and every running node's view of its targets (diagnostics). */
  public synchronized String describe() {
    StringBuilder out = new StringBuilder();
    RoutingInfo routing = newMgmtdClient().refreshRouting();
    routing.chains().values().forEach(c -> out.append("\n mgmtd: ").append(c));
    routing.targets().values().forEach(t -> out.append("\n mgmtd target: ").append(t));
    for (var entry : running.entrySet()) {
      for (var t : entry.getValue().server().targets().all()) {
        out.append(
            String.format(
                "%n node %d target %s: inSync=%s public=%s reports=%s readable=%s",
                entry.getKey(), t.id(), t.inSync(), t.publicState(), t.localState(), t.readable()));
      }
    }
    return out.toString();
  }

  public static void await(String what, BooleanSupplier condition) {
    await(what, condition, 30_000);
  }

  public static void await(String what, BooleanSupplier condition, long timeoutMs) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public synchronized void close() {
    ticker.shutdownNow();
    for (int n : List.copyOf(running.keySet())) {
      Node node = running.remove(n);
      node.endpoint().close();
      node.server().close();
      node.rpc().close();
      node.dispatcher().close();
    }
    synchronized (clients) {
      clients.forEach(RpcClient::close);
    }
    mgmtdDispatcher.close();
    network.close();
    kv.close();
  }
}
