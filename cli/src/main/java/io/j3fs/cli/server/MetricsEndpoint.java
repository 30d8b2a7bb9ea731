package io.j3fs.cli.server;

import com.sun.net.httpserver.HttpServer;
import io.j3fs.net.Endpoint;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A server process's metrics in Prometheus text format at {@code http://<metrics_listen>/metrics}:
 * what its components record to Micrometer's global registry (RPC calls and latency by method and
 * status, KV retries by cause, storage bytes and chunk figures, targets by state) plus the JVM's
 * memory, GC and threads. Off when the config names no {@code metrics_listen}.
 */
final class MetricsEndpoint implements AutoCloseable {
  private final HttpServer server;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;

  private MetricsEndpoint(HttpServer server, PrometheusMeterRegistry registry, JvmGcMetrics gc) {
    this.server = server;
    this.registry = registry;
    this.gc = gc;
  }

  /** Starts serving on {@code listen} ({@code host:port}); null or empty: no endpoint. */
  static MetricsEndpoint start(String listen) throws IOException {
    if (listen == null || listen.isBlank()) {
      return new MetricsEndpoint(null, null, null);
    }
    Endpoint at = Endpoint.parse(listen);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    Metrics.addRegistry(registry);
    HttpServer server = HttpServer.create(new InetSocketAddress(at.host(), at.port()), 16);
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          exchange
              .getResponseHeaders()
              .set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(null);
    server.start();
    return new MetricsEndpoint(server, registry, gc);
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      gc.close();
      Metrics.removeRegistry(registry);
      registry.close();
    }
  }
}
