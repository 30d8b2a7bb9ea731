package io.j3fs.net.netty;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.Frame;
import io.j3fs.net.FrameDecoder;
import io.j3fs.net.FrameHeader;
import io.j3fs.net.Handshake;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.proto.HandshakeReq;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening Netty server: handshake, then every frame dispatched through the {@link Dispatcher}.
 */
final class NettyServer implements RpcServer {
  private static final Logger log = LoggerFactory.getLogger(NettyServer.class);

  private final Channel listener;
  private final ChannelGroup connections;
  private final Endpoint endpoint;

  private NettyServer(Channel listener, ChannelGroup connections, Endpoint endpoint) {
    this.listener = listener;
    this.connections = connections;
    this.endpoint = endpoint;
  }

  static NettyServer start(
      NettyTransport transport, Endpoint endpoint, Dispatcher dispatcher, ServerOptions options) {
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(transport.group())
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.RECVBUF_ALLOCATOR, NettyTransport.receiveBuffers())
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 << 20, 32 << 20))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.add(ch);
                    if (options.ssl() != null) {
                      ch.pipeline().addLast(options.ssl().newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast(new FlushConsolidationHandler(256, true))
                        .addLast(new FrameDecoder(options.limits()))
                        .addLast(new ServerHandler(dispatcher, options));
                  }
                });
    Channel listener;
    try {
      listener = bootstrap.bind(endpoint.host(), endpoint.port()).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      throw new StatusException(
          StatusCode.UNAVAILABLE, "cannot listen on " + endpoint + ": " + e.getMessage(), e);
    }
    InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
    Endpoint actual = new Endpoint(endpoint.host(), bound.getPort());
    log.info("RPC server listening on {}{}", actual, options.ssl() != null ? " (TLS)" : "");
    return new NettyServer(listener, connections, actual);
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    connections.close().syncUninterruptibly();
  }

  /**
   * Per connection; runs on its event loop, except the replies, which come from handler threads.
   */
  private static final class ServerHandler extends ChannelInboundHandlerAdapter {
    private final Dispatcher dispatcher;
    private final ServerOptions options;
    private boolean handshaken;

    ServerHandler(Dispatcher dispatcher, ServerOptions options) {
      this.dispatcher = dispatcher;
      this.options = options;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Frame frame)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      FrameHeader header = frame.header();
      String peer = String.valueOf(ctx.channel().remoteAddress());
      if (header.isResponse()) {
        frame.close();
        log.warn("closing connection from {}: it sent a response frame", peer);
        ctx.close();
        return;
      }
      if (!handshaken) {
        handshake(ctx, frame, peer);
        return;
      }
      if (header.isHandshake()) {
        frame.close();
        log.warn("closing connection from {}: second handshake", peer);
        ctx.close();
        return;
      }
      dispatcher.dispatch(
          frame,
          peer,
          outcome -> NettyWrites.send(ctx.channel(), header, outcome, FrameHeader.FLAG_RESPONSE));
    }

    private void handshake(ChannelHandlerContext ctx, Frame frame, String peer) {
      FrameHeader header = frame.header();
      if (!header.isHandshake()) {
        frame.close();
        log.warn("closing connection from {}: first frame is not a handshake", peer);
        ctx.close();
        return;
      }
      Dispatcher.Outcome answer;
      try {
        answer = Handshake.answer(HandshakeReq.parseFrom(frame.message().nioBuffer()), options);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        answer = Dispatcher.error(StatusCode.INVALID_ARGUMENT, "malformed handshake");
      } finally {
        frame.close();
      }
      int flags = FrameHeader.FLAG_RESPONSE | FrameHeader.FLAG_HANDSHAKE;
      if ((answer.flags() & FrameHeader.FLAG_ERROR) != 0) {
        log.warn("refusing connection from {}: {}", peer, answer.message());
        NettyWrites.send(ctx.channel(), header, answer, flags)
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      handshaken = true;
      NettyWrites.send(ctx.channel(), header, answer, flags);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }
}
