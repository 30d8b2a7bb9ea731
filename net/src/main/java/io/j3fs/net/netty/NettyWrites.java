package io.j3fs.net.netty;

import io.j3fs.net.Dispatcher;
import io.j3fs.net.FilePayload;
import io.j3fs.net.FrameEncoder;
import io.j3fs.net.FrameHeader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.ssl.SslHandler;

/**
 * Writes one frame (header and message, then payload) as one event-loop task, so frames never
 * interleave.
 */
final class NettyWrites {
  private NettyWrites() {}

  /**
   * Sends {@code outcome} as the answer to {@code request}. Takes ownership of the outcome's
   * payload. Callable from any thread.
   */
  static ChannelPromise send(
      Channel channel, FrameHeader request, Dispatcher.Outcome outcome, int flags) {
    return send(
        channel,
        flags | outcome.flags(),
        request.requestId(),
        request.serviceId(),
        request.methodId(),
        outcome.message(),
        outcome.payload());
  }

  /**
   * Sends a frame; takes ownership of {@code payload} (a ByteBuf or a FilePayload). Callable from
   * any thread.
   */
  static ChannelPromise send(
      Channel channel,
      int flags,
      long requestId,
      int serviceId,
      int methodId,
      com.google.protobuf.MessageLite message,
      Object payload) {
    ChannelPromise promise = channel.newPromise();
    Runnable write =
        () -> {
          Object body = payload;
          long payloadLength;
          try {
            if (body instanceof FilePayload file) {
              if (channel.pipeline().get(SslHandler.class) != null) {
                body =
                    file.readAndClose(channel.alloc()); // TLS encrypts in user space: no sendfile
              } else {
                body = new DefaultFileRegion(file.file(), file.position(), file.count());
              }
            }
            payloadLength =
                body instanceof ByteBuf buf ? buf.readableBytes() : ((FilePayload) payload).count();
            ByteBuf head =
                FrameEncoder.encode(
                    channel.alloc(), flags, requestId, serviceId, methodId, message, payloadLength);
            if (payloadLength == 0) {
              if (body instanceof ByteBuf buf) {
                buf.release();
              }
              channel.writeAndFlush(head, promise);
            } else {
              channel.write(head);
              channel.writeAndFlush(body, promise);
            }
          } catch (RuntimeException e) {
            if (body instanceof ByteBuf buf && buf.refCnt() > 0) {
              buf.release();
            }
            promise.tryFailure(e);
          }
        };
    if (channel.eventLoop().inEventLoop()) {
      write.run();
    } else {
      try {
        channel.eventLoop().execute(write);
      } catch (RuntimeException rejected) {
        if (payload instanceof ByteBuf buf) {
          buf.release();
        } else if (payload instanceof FilePayload file) {
          file.closeQuietly();
        }
        promise.tryFailure(rejected);
      }
    }
    return promise;
  }
}
