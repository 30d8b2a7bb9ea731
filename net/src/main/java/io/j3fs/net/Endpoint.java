package io.j3fs.net;

/**
 * Where a server listens: a host and port for TCP, or a name and number on an in-process network.
 */
public record Endpoint(String host, int port) {
  public Endpoint {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("endpoint host is required");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("endpoint port must be 0-65535, got " + port);
    }
  }

  public static Endpoint loopback(int port) {
    return new Endpoint("127.0.0.1", port);
  }

  /** Parses {@code host:port}. */
  public static Endpoint parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("endpoint must be host:port, got '" + text + "'");
    }
    try {
      return new Endpoint(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint port is not a number in '" + text + "'", e);
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
