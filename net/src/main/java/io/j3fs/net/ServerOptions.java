package io.j3fs.net;

import io.netty.handler.ssl.SslContext;

/**
 * Server settings.
 *
 * @param token shared secret clients must present in the handshake; empty to accept any client
 * @param ssl TLS server context, or null for plain TCP
 * @param limits largest frames accepted from clients
 * @param serverName sent in the handshake answer, for logs
 */
public record ServerOptions(String token, SslContext ssl, FrameLimits limits, String serverName) {
  public static final ServerOptions DEFAULT =
      new ServerOptions("", null, FrameLimits.DEFAULT, "j3fs");

  public ServerOptions {
    token = token == null ? "" : token;
  }

  public ServerOptions withToken(String newToken) {
    return new ServerOptions(newToken, ssl, limits, serverName);
  }

  public ServerOptions withSsl(SslContext context) {
    return new ServerOptions(token, context, limits, serverName);
  }

  public ServerOptions withLimits(FrameLimits newLimits) {
    return new ServerOptions(token, ssl, newLimits, serverName);
  }
}
