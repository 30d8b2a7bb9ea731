package io.j3fs.net;

/** A listening server; {@link #close()} stops listening and closes its connections. */
public interface RpcServer extends AutoCloseable {
  /** Where it actually listens (the port is chosen by the system when 0 was asked for). */
  Endpoint endpoint();

  @Override
  void close();
}
