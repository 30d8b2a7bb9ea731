package io.j3fs.net;

import io.j3fs.common.status.StatusCode;
import io.j3fs.proto.HandshakeReq;
import io.j3fs.proto.HandshakeRsp;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The first exchange on every connection: protocol version and, when configured, the shared-secret
 * token.
 */
public final class Handshake {
  public static final int PROTOCOL_VERSION = 1;

  private Handshake() {}

  public static HandshakeReq request(ClientOptions options) {
    return HandshakeReq.newBuilder()
        .setProtocolVersion(PROTOCOL_VERSION)
        .setToken(options.token())
        .setClientName(options.clientName())
        .build();
  }

  /**
   * The server's answer to a handshake request: accepted, or an error outcome (then the connection
   * is closed).
   */
  public static Dispatcher.Outcome answer(HandshakeReq request, ServerOptions options) {
    if (request.getProtocolVersion() != PROTOCOL_VERSION) {
      return Dispatcher.error(
          StatusCode.INVALID_ARGUMENT,
          "protocol version "
              + request.getProtocolVersion()
              + " is not supported (server speaks "
              + PROTOCOL_VERSION
              + ")");
    }
    if (!options.token().isEmpty()
        && !MessageDigest.isEqual(
            options.token().getBytes(StandardCharsets.UTF_8),
            request.getToken().getBytes(StandardCharsets.UTF_8))) {
      return Dispatcher.error(
          StatusCode.PERMISSION_DENIED,
          request.getToken().isEmpty() ? "a token is required" : "wrong token");
    }
    HandshakeRsp response =
        HandshakeRsp.newBuilder()
            .setProtocolVersion(PROTOCOL_VERSION)
            .setServerName(options.serverName())
            .build();
    return new Dispatcher.Outcome(0, response, io.netty.buffer.Unpooled.EMPTY_BUFFER, 0);
  }
}
