package io.j3fs.net;

import io.netty.buffer.ByteBuf;

/**
 * A decoded frame. Owns one reference to {@code message} and one to {@code payload} (slices of the
 * receive buffer, not copies); whoever holds the frame releases it exactly once, or hands the
 * payload on with {@link #takePayload()}.
 */
public final class Frame implements AutoCloseable {
  private final FrameHeader header;
  private final ByteBuf message;
  private ByteBuf payload;

  public Frame(FrameHeader header, ByteBuf message, ByteBuf payload) {
    this.header = header;
    this.message = message;
    this.payload = payload;
  }

  public FrameHeader header() {
    return header;
  }

  public ByteBuf message() {
    return message;
  }

  /** Transfers the payload reference to the caller; the frame no longer releases it. */
  public ByteBuf takePayload() {
    ByteBuf taken = payload;
    payload = null;
    return taken;
  }

  @Override
  public void close() {
    message.release();
    if (payload != null) {
      payload.release();
      payload = null;
    }
  }
}
