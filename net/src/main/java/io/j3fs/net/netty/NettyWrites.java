package io.j3fs.net.netty;

import io.j3fs.net.Dispatcher;
import io.j3fs.net.FilePayload;
import io.j3fs.net.FrameEncoder;
import io.j3fs.net.FrameHeader;
import io.j3fs.net.Payloads;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.List;

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
   * A file range sent with sendfile by the epoll transport (which recognises DefaultFileRegion):
   * when Netty is done with it, it ends the payload's use of the range instead of closing the file,
   * which belongs to the payload's owner.
   */
  private static final class SharedFileRegion extends DefaultFileRegion {
    private final FilePayload payload;

    SharedFileRegion(FilePayload payload) {
      super(payload.file(), payload.position(), payload.count());
      this.payload = payload;
    }

    @Override
    protected void deallocate() {
      payload.done();
    }
  }

  /**
   * Sends a frame; takes ownership of {@code payload} (see {@link Payloads}). Callable from any
   * thread.
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
          List<Object> parts;
          ByteBuf head;
          try {
            if (!(body instanceof ByteBuf) && channel.pipeline().get(SslHandler.class) != null) {
              body = Payloads.toBuffer(body, channel.alloc()); // TLS encrypts in user space
            }
            head =
                FrameEncoder.encode(
                    channel.alloc(),
                    flags,
                    requestId,
                    serviceId,
                    methodId,
                    message,
                    Payloads.length(body));
            // Netty cannot write an empty file region: empty parts are released here.
            parts = new ArrayList<>();
            for (Object part : body instanceof Payloads.Parts p ? p.parts() : List.of(body)) {
              if (Payloads.length(part) == 0) {
                Payloads.release(part);
              } else {
                parts.add(part instanceof FilePayload file ? new SharedFileRegion(file) : part);
              }
            }
          } catch (RuntimeException e) {
            Payloads.release(body);
            promise.tryFailure(e);
            return;
          }
          // From here Netty owns every part: it releases each once written or failed.
          if (parts.isEmpty()) {
            channel.writeAndFlush(head, promise);
            return;
          }
          channel.write(head);
          for (int i = 0; i < parts.size() - 1; i++) {
            channel.write(parts.get(i));
          }
          channel.writeAndFlush(parts.getLast(), promise);
        };
    if (channel.eventLoop().inEventLoop()) {
      write.run();
    } else {
      try {
        channel.eventLoop().execute(write);
      } catch (RuntimeException rejected) {
        Payloads.release(payload);
        promise.tryFailure(rejected);
      }
    }
    return promise;
  }
}
