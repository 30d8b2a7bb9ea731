package io.j3fs.cli.server;

import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.storage.StorageClient;
import io.j3fs.common.config.TomlConfig;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.meta.MetaConfig;
import io.j3fs.meta.StorageChunkStorage;
import io.j3fs.meta.service.MetaServer;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.netty.NettyTransport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code j3fs meta --config meta.toml}: runs one metadata server until SIGTERM or SIGINT. */
@Command(
    name = "meta",
    mixinStandardHelpOptions = true,
    description = "Run a metadata server: the namespace as transactions on the KV store.")
public final class MetaCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      required = true,
      description = "The meta TOML file (see docs/configuration.md).")
  Path config;

  @Override
  @SuppressWarnings("try") // the metrics endpoint is held open for the process's life, not used
  public Integer call() throws Exception {
    MetaConfig settings = TomlConfig.load(config, MetaConfig.class); // a bad key: one line, exit 1
    try (ShutdownSignal signal = new ShutdownSignal("meta");
        MetricsEndpoint metrics = MetricsEndpoint.start(settings.metricsListen());
        KvEngine kv = KvEngines.open(settings.kv());
        NettyTransport transport = new NettyTransport();
        Dispatcher dispatcher = new Dispatcher();
        RpcClient rpc =
            transport.client(
                ClientOptions.DEFAULT
                    .withToken(settings.token())
                    .withClientName("meta-" + settings.nodeId()))) {
      MgmtdClient mgmtd = new MgmtdClient(rpc, MgmtdClient.Config.of(settings.mgmtdEndpoints()));
      StorageClient storage =
          new StorageClient(rpc, mgmtd, "meta-" + settings.nodeId(), StorageClient.Config.DEFAULT);
      try (MetaServer server =
          new MetaServer(
              settings.serverConfig(),
              kv,
              Clock.system(),
              mgmtd,
              new StorageChunkStorage(storage))) {
        server.register(dispatcher);
        try (RpcServer listener =
            transport.serve(
                Endpoint.parse(settings.listen()),
                dispatcher,
                ServerOptions.DEFAULT.withToken(settings.token()))) {
          server.start();
          System.out.println(
              "meta server " + settings.nodeId() + " listening on " + listener.endpoint());
          System.out.flush();
          signal.await();
        }
      }
    }
    return 0;
  }
}
