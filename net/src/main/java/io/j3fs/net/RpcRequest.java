package io.j3fs.net;

import com.google.protobuf.Message;
import io.j3fs.proto.WireMethod;
import io.netty.buffer.ByteBuf;

/**
 * A request as a handler sees it. The payload belongs to the RPC layer and is released after the
 * handler returns: a handler that keeps it longer calls {@code payload.retain()} and releases it
 * itself.
 */
public record RpcRequest(WireMethod method, Message message, ByteBuf payload, String peer) {
  public <T extends Message> T message(Class<T> type) {
    return type.cast(message);
  }
}
