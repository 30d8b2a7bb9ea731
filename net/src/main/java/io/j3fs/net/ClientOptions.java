package io.j3fs.net;

import io.netty.handler.ssl.SslContext;

/**
 * Client settings.
 *
 * @param connectionsPerPeer connections opened to each server; calls are spread over them
 * @param maxInFlightPerConnection calls waiting for an answer on one connection, at most; more
 *     answer BUSY
 * @param connectTimeoutMs TCP connect and handshake, at most
 * @param reconnectInitialBackoffMs wait after a failed connection before the next try; doubles up
 *     to the max
 * @param reconnectMaxBackoffMs cap on that wait
 * @param token shared secret sent in the handshake; empty for none
 * @param ssl TLS client context, or null for plain TCP
 * @param limits largest frames accepted from servers
 * @param clientName shown in the server's logs
 */
public record ClientOptions(
    int connectionsPerPeer,
    int maxInFlightPerConnection,
    long connectTimeoutMs,
    long reconnectInitialBackoffMs,
    long reconnectMaxBackoffMs,
    String token,
    SslContext ssl,
    FrameLimits limits,
    String clientName) {
  public static final ClientOptions DEFAULT =
      new ClientOptions(1, 4096, 5_000, 50, 5_000, "", null, FrameLimits.DEFAULT, "j3fs-client");

  public ClientOptions {
    if (connectionsPerPeer < 1 || maxInFlightPerConnection < 1) {
      throw new IllegalArgumentException(
          "connectionsPerPeer and maxInFlightPerConnection must be at least 1");
    }
    if (connectTimeoutMs < 1
        || reconnectInitialBackoffMs < 1
        || reconnectMaxBackoffMs < reconnectInitialBackoffMs) {
      throw new IllegalArgumentException(
          "connect timeout and reconnect backoff must be positive, initial <= max");
    }
    token = token == null ? "" : token;
  }

  public ClientOptions withConnectionsPerPeer(int connections) {
    return new ClientOptions(
        connections,
        maxInFlightPerConnection,
        connectTimeoutMs,
        reconnectInitialBackoffMs,
        reconnectMaxBackoffMs,
        token,
        ssl,
        limits,
        clientName);
  }

  public ClientOptions withMaxInFlightPerConnection(int max) {
    return new ClientOptions(
        connectionsPerPeer,
        max,
        connectTimeoutMs,
        reconnectInitialBackoffMs,
        reconnectMaxBackoffMs,
        token,
        ssl,
        limits,
        clientName);
  }

  public ClientOptions withToken(String newToken) {
    return new ClientOptions(
        connectionsPerPeer,
        maxInFlightPerConnection,
        connectTimeoutMs,
        reconnectInitialBackoffMs,
        reconnectMaxBackoffMs,
        newToken,
        ssl,
        limits,
        clientName);
  }

  public ClientOptions withSsl(SslContext context) {
    return new ClientOptions(
        connectionsPerPeer,
        maxInFlightPerConnection,
        connectTimeoutMs,
        reconnectInitialBackoffMs,
        reconnectMaxBackoffMs,
        token,
        context,
        limits,
        clientName);
  }

  public ClientOptions withClientName(String name) {
    return new ClientOptions(
        connectionsPerPeer,
        maxInFlightPerConnection,
        connectTimeoutMs,
        reconnectInitialBackoffMs,
        reconnectMaxBackoffMs,
        token,
        ssl,
        limits,
        name);
  }
}
