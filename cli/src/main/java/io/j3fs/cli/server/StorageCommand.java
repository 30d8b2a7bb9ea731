package io.j3fs.cli.server;

import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.common.config.TomlConfig;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.storage.StorageConfig;
import io.j3fs.storage.service.StorageServer;
import io.j3fs.storage.target.DiskTargets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j3fs storage --config storage.toml}: runs one storage node until SIGTERM or SIGINT, then
 * closes its targets cleanly (so a restart does not need a resync).
 */
@Command(
    name = "storage",
    mixinStandardHelpOptions = true,
    description = "Run a storage node: chunk engines on local disks, CRAQ replication, resync.")
public final class StorageCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      required = true,
      description = "The storage TOML file (see docs/configuration.md).")
  Path config;

  @Override
  @SuppressWarnings("try") // the metrics endpoint is held open for the process's life, not used
  public Integer call() throws Exception {
    StorageConfig settings =
        TomlConfig.load(config, StorageConfig.class); // a bad key: one line, exit 1
    try (ShutdownSignal signal = new ShutdownSignal("storage");
        MetricsEndpoint metrics = MetricsEndpoint.start(settings.metricsListen());
        NettyTransport transport = new NettyTransport();
        Dispatcher dispatcher = new Dispatcher();
        RpcClient rpc =
            transport.client(
                ClientOptions.DEFAULT
                    .withToken(settings.token())
                    .withClientName("storage-" + settings.nodeId()))) {
      MgmtdClient mgmtd = new MgmtdClient(rpc, MgmtdClient.Config.of(settings.mgmtdEndpoints()));
      try (StorageServer server =
          new StorageServer(
              settings.serverConfig(),
              new DiskTargets(
                  settings.paths(),
                  settings.filesPerClass(),
                  settings.directReads(),
                  settings.engineConfig()),
              rpc,
              mgmtd)) {
        server.register(dispatcher);
        try (RpcServer listener =
            transport.serve(
                Endpoint.parse(settings.listen()),
                dispatcher,
                ServerOptions.DEFAULT.withToken(settings.token()))) {
          server.start();
          System.out.println(
              "storage node "
                  + settings.nodeId()
                  + " listening on "
                  + listener.endpoint()
                  + " with "
                  + server.targets().all().size()
                  + " targets");
          System.out.flush();
          signal.await();
        }
      }
    }
    return 0;
  }
}
