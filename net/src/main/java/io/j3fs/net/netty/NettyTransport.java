package io.j3fs.net.netty;

import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcServer;
import io.j3fs.net.RpcTransport;
import io.j3fs.net.ServerOptions;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RPC over TCP with Netty: native epoll when available (Linux), NIO otherwise. One event-loop group
 * (a thread per core) serves every server and client made from this transport.
 */
public final class NettyTransport implements RpcTransport {
  private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

  /** Which Netty I/O implementation to use. */
  public enum Io {
    EPOLL,
    NIO;

    public static Io best() {
      return Epoll.isAvailable() ? EPOLL : NIO;
    }
  }

  private final Io io;
  private final EventLoopGroup group;

  public NettyTransport() {
    this(Io.best(), Runtime.getRuntime().availableProcessors());
  }

  public NettyTransport(Io io, int threads) {
    this.io = io;
    IoHandlerFactory factory =
        io == Io.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(threads, factory);
    log.debug("netty transport with {} ({} threads)", io, threads);
  }

  public Io io() {
    return io;
  }

  EventLoopGroup group() {
    return group;
  }

  Class<? extends SocketChannel> socketChannel() {
    return io == Io.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  Class<? extends ServerChannel> serverChannel() {
    return io == Io.EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /**
   * Reads start at 2 KiB and grow up to 1 MiB while the socket keeps them full: small calls stay
   * cheap, bulk payloads arrive in few large reads.
   */
  static AdaptiveRecvByteBufAllocator receiveBuffers() {
    return new AdaptiveRecvByteBufAllocator(512, 2048, 1 << 20);
  }

  @Override
  public RpcServer serve(Endpoint endpoint, Dispatcher dispatcher, ServerOptions options) {
    return NettyServer.start(this, endpoint, dispatcher, options);
  }

  @Override
  public RpcClient client(ClientOptions options) {
    return new NettyClient(this, options);
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
