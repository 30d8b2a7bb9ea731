package io.j3fs.cli.server;

import io.j3fs.common.BuildInfo;
import io.j3fs.common.config.TomlConfig;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.mgmtd.MgmtdConfig;
import io.j3fs.mgmtd.service.MgmtdServer;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.netty.NettyTransport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j3fs mgmtd --config mgmtd.toml}: runs one cluster manager instance until SIGTERM or
 * SIGINT.
 */
@Command(
    name = "mgmtd",
    mixinStandardHelpOptions = true,
    description = "Run a cluster manager (mgmtd) instance.")
public final class MgmtdCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(MgmtdCommand.class);

  @Option(
      names = "--config",
      required = true,
      description = "The mgmtd TOML file (see docs/configuration.md).")
  Path config;

  @Override
  @SuppressWarnings("try") // the metrics endpoint is held open for the process's life, not used
  public Integer call() throws Exception {
    MgmtdConfig settings =
        TomlConfig.load(config, MgmtdConfig.class); // a bad key: one line, exit 1
    CountDownLatch stopped = new CountDownLatch(1);
    try (MetricsEndpoint metrics = MetricsEndpoint.start(settings.metricsListen());
        KvEngine kv = KvEngines.open(settings.kv());
        NettyTransport transport = new NettyTransport();
        Dispatcher dispatcher = new Dispatcher()) {
      MgmtdServer mgmtd =
          new MgmtdServer(
              kv,
              Clock.system(),
              NodeId.of(settings.nodeId()),
              settings.listen(),
              BuildInfo.version(),
              settings.serverConfig());
      mgmtd.register(dispatcher);
      ScheduledExecutorService ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> Thread.ofPlatform().name("mgmtd-tick").unstarted(r));
      try (RpcServer server =
          transport.serve(
              Endpoint.parse(settings.listen()),
              dispatcher,
              ServerOptions.DEFAULT.withToken(settings.token()))) {
        ticker.scheduleWithFixedDelay(
            () -> {
              try {
                mgmtd.tick();
              } catch (RuntimeException e) {
                log.warn("mgmtd periodic work failed: {}", e.toString());
              }
            },
            0,
            settings.tickIntervalMs(),
            TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "mgmtd-stop"));
        System.out.println(
            "mgmtd node " + settings.nodeId() + " listening on " + server.endpoint());
        System.out.flush();
        stopped.await();
      } finally {
        ticker.shutdownNow();
      }
    }
    return 0;
  }
}
