package io.j3fs.net;

import com.google.protobuf.Message;
import io.netty.buffer.ByteBuf;

/**
 * A successful answer as the caller receives it. Owns one reference to the payload (a slice of the
 * receive buffer); the caller closes the reply, or takes the payload with {@link #takePayload()}.
 */
public final class RpcReply implements AutoCloseable {
  private final Message message;
  private ByteBuf payload;

  public RpcReply(Message message, ByteBuf payload) {
    this.message = message;
    this.payload = payload;
  }

  public Message message() {
    return message;
  }

  public <T extends Message> T message(Class<T> type) {
    return type.cast(message);
  }

  /** The payload, still owned by this reply. */
  public ByteBuf payload() {
    return payload;
  }

  public ByteBuf takePayload() {
    ByteBuf taken = payload;
    payload = null;
    return taken;
  }

  @Override
  public void close() {
    if (payload != null) {
      payload.release();
      payload = null;
    }
  }
}
