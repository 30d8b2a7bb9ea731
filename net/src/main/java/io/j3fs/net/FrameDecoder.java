package io.j3fs.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the byte stream into {@link Frame}s. A malformed header (bad magic, checksum, version,
 * flags, or a length over the limits) closes this connection with the reason logged; nothing past
 * the bad header is read or allocated, and other connections are untouched. Runs on the channel's
 * event loop.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);

  private final FrameLimits limits;
  private FrameHeader pending;
  private boolean failed;

  public FrameDecoder(FrameLimits limits) {
    this.limits = limits;
    // Received buffers are chained, not copied into one growing buffer: a 1 MiB payload arrives in
    // several reads, and the payload handed on is a slice over those reads (copying them costs
    // about a third of loopback bandwidth).
    setCumulator(COMPOSITE_CUMULATOR);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    while (true) {
      if (pending == null) {
        if (in.readableBytes() < FrameHeader.BYTES) {
          return;
        }
        try {
          pending = FrameHeader.peek(in, limits);
        } catch (MalformedFrameException e) {
          failed = true;
          log.warn(
              "closing connection from {}: malformed frame: {}",
              ctx.channel().remoteAddress(),
              e.getMessage());
          in.skipBytes(in.readableBytes());
          ctx.close();
          return;
        }
      }
      long frameBytes =
          (long) FrameHeader.BYTES + pending.messageLength() + pending.payloadLength();
      if (in.readableBytes() < frameBytes) {
        return;
      }
      in.skipBytes(FrameHeader.BYTES);
      ByteBuf message = in.readRetainedSlice(pending.messageLength());
      ByteBuf payload = in.readRetainedSlice(pending.payloadLength());
      out.add(new Frame(pending, message, payload));
      pending = null;
    }
  }
}
