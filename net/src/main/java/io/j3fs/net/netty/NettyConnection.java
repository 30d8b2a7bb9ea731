package io.j3fs.net.netty;

import com.google.protobuf.Message;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.Frame;
import io.j3fs.net.FrameDecoder;
import io.j3fs.net.FrameHeader;
import io.j3fs.net.Handshake;
import io.j3fs.net.PendingCalls;
import io.j3fs.net.RpcReply;
import io.j3fs.proto.RpcError;
import io.j3fs.proto.WireMethod;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * One client connection: connect, handshake, then many calls multiplexed by request id ({@link
 * PendingCalls}). When the connection closes, every call waiting on it fails with UNAVAILABLE
 * (retriable) at once.
 */
final class NettyConnection {
  private final Endpoint peer;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<String> broken = new CompletableFuture<>();
  private volatile Channel channel;
  private PendingCalls pending;

  private NettyConnection(Endpoint peer) {
    this.peer = peer;
  }

  static NettyConnection connect(NettyTransport transport, Endpoint peer, ClientOptions options) {
    NettyConnection connection = new NettyConnection(peer);
    // One pick of the group's round robin per connection: the channel runs on the loop that times
    // its calls out. (Picking twice, once here and once in connect, put every connection of a
    // process on the same loop when the group has two threads, and left the other idle.)
    EventLoop loop = transport.group().next();
    // Made before connecting: calls may register while the connection is still being set up.
    connection.pending =
        new PendingCalls(options.maxInFlightPerConnection(), loop, peer.toString());
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(transport.socketChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.RECVBUF_ALLOCATOR, NettyTransport.receiveBuffers())
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, options.connectTimeoutMs()))
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 << 20, 32 << 20))
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (options.ssl() != null) {
                      ch.pipeline()
                          .addLast(options.ssl().newHandler(ch.alloc(), peer.host(), peer.port()));
                    }
                    ch.pipeline()
                        .addLast(new FlushConsolidationHandler(256, true))
                        .addLast(new FrameDecoder(options.limits()))
                        .addLast(connection.new ClientHandler());
                  }
                });
    ChannelFuture connected = bootstrap.connect(peer.host(), peer.port());
    connection.channel = connected.channel();
    connected.addListener(
        future -> {
          if (!future.isSuccess()) {
            connection.markBroken("cannot connect to " + peer + ": " + future.cause().getMessage());
            return;
          }
          NettyWrites.send(
              connection.channel,
              FrameHeader.FLAG_HANDSHAKE,
              0,
              0,
              0,
              Handshake.request(options),
              Unpooled.EMPTY_BUFFER);
        });
    // A handshake that never comes back must not hold calls forever.
    connection
        .channel
        .eventLoop()
        .schedule(
            () -> {
              if (!connection.ready.isDone()) {
                connection.markBroken(
                    "no handshake answer from "
                        + peer
                        + " within "
                        + options.connectTimeoutMs()
                        + " ms");
                connection.channel.close();
              }
            },
            options.connectTimeoutMs(),
            TimeUnit.MILLISECONDS);
    return connection;
  }

  /** The event loop this connection's channel runs on (tests: connections spread over loops). */
  EventLoop eventLoop() {
    return channel.eventLoop();
  }

  boolean isBroken() {
    return broken.isDone();
  }

  /** Called once when the connection fails: with whether it had been usable, and why it failed. */
  void whenBroken(BiConsumer<Boolean, String> listener) {
    broken.thenAccept(
        reason -> listener.accept(ready.isDone() && !ready.isCompletedExceptionally(), reason));
  }

  CompletableFuture<RpcReply> call(
      WireMethod method, Message request, ByteBuf payload, long timeoutMs) {
    PendingCalls.Call call;
    try {
      if (broken.isDone()) {
        // A connection refused at its handshake (no token, a wrong one) keeps the refusal's own
        // status for calls made after it was refused, as for the calls that waited for it.
        if (ready.isCompletedExceptionally()
            && ready.exceptionNow() instanceof StatusException refused) {
          throw new StatusException(refused.code(), refused.getMessage());
        }
        throw new StatusException(
            StatusCode.UNAVAILABLE, broken.getNow("connection to " + peer + " is closed"));
      }
      call = pending.register(method, timeoutMs);
    } catch (StatusException e) {
      payload.release();
      return CompletableFuture.failedFuture(e);
    }
    if (ready.isDone() && !ready.isCompletedExceptionally()) {
      write(call, method, request, payload);
    } else {
      ready.whenComplete(
          (ok, failure) -> {
            if (failure != null) {
              payload.release();
              call.fail(
                  failure instanceof StatusException s
                      ? s
                      : new StatusException(
                          StatusCode.UNAVAILABLE, String.valueOf(failure.getMessage())));
            } else {
              write(call, method, request, payload);
            }
          });
    }
    return call.future();
  }

  private void write(PendingCalls.Call call, WireMethod method, Message request, ByteBuf payload) {
    NettyWrites.send(
            channel, 0, call.requestId(), method.serviceId(), method.methodId(), request, payload)
        .addListener(
            future -> {
              if (!future.isSuccess()) {
                call.fail(
                    new StatusException(
                        StatusCode.UNAVAILABLE,
                        "cannot send "
                            + method.fullName()
                            + " to "
                            + peer
                            + ": "
                            + future.cause().getMessage()));
              }
            });
  }

  void close() {
    markBroken("connection to " + peer + " closed by the client");
    channel.close();
  }

  private void markBroken(String reason) {
    StatusException failure = new StatusException(StatusCode.UNAVAILABLE, reason);
    if (pending != null) {
      pending.closeAll(failure);
    }
    ready.completeExceptionally(failure);
    broken.complete(reason);
  }

  /** Runs on the connection's event loop. */
  private final class ClientHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Frame frame)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (frame.header().isHandshake()) {
        handshakeAnswer(ctx, frame);
        return;
      }
      pending.complete(frame);
    }

    private void handshakeAnswer(ChannelHandlerContext ctx, Frame frame) {
      try {
        if (frame.header().isError()) {
          RpcError error = RpcError.parseFrom(frame.message().nioBuffer());
          StatusException refused =
              new StatusException(
                  StatusCode.fromNumber(error.getCode()),
                  peer + " refused the connection: " + error.getMessage());
          pending.closeAll(refused);
          ready.completeExceptionally(refused);
          broken.complete(refused.getMessage());
          ctx.close();
        } else {
          ready.complete(null);
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        markBroken("malformed handshake answer from " + peer);
        ctx.close();
      } finally {
        frame.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      markBroken("connection to " + peer + " lost");
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      markBroken("connection to " + peer + " failed: " + cause.getMessage());
      ctx.close();
    }
  }
}
