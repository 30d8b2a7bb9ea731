package io.j3fs.net;

import com.google.protobuf.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * What a handler answers: a message, and optionally a raw payload (see {@link Payloads}): a {@link
 * ByteBuf} (ownership passes to the RPC layer, which releases it once written), a {@link
 * FilePayload} (sent from the file, with sendfile on plain TCP), or parts of both.
 */
public record RpcResponse(Message message, Object payload) {
  public RpcResponse {
    Payloads.check(payload);
  }

  public static RpcResponse of(Message message) {
    return new RpcResponse(message, Unpooled.EMPTY_BUFFER);
  }

  public static RpcResponse of(Message message, ByteBuf payload) {
    return new RpcResponse(message, payload);
  }

  /** A payload of {@code parts} (ByteBufs and FilePayloads) sent one after another. */
  public static RpcResponse ofParts(Message message, List<Object> parts) {
    return new RpcResponse(message, new Payloads.Parts(parts));
  }

  /**
   * A payload of {@code count} bytes of {@code file} from {@code position}; {@code onDone} runs
   * once the bytes are sent or dropped (the channel is not closed).
   */
  public static RpcResponse ofFile(
      Message message, FileChannel file, long position, long count, Runnable onDone) {
    return new RpcResponse(message, new FilePayload(file, position, count, onDone));
  }

  long payloadLength() {
    return Payloads.length(payload);
  }
}
