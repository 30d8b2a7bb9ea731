package io.j3fs.net;

import com.google.protobuf.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.channels.FileChannel;

/**
 * What a handler answers: a message, and optionally a raw payload: a {@link ByteBuf} (ownership
 * passes to the RPC layer, which releases it once written) or a {@link FilePayload} (sent from the
 * file, with sendfile on plain TCP).
 */
public record RpcResponse(Message message, Object payload) {
  public RpcResponse {
    if (!(payload instanceof ByteBuf) && !(payload instanceof FilePayload)) {
      throw new IllegalArgumentException("payload must be a ByteBuf or a FilePayload");
    }
  }

  public static RpcResponse of(Message message) {
    return new RpcResponse(message, Unpooled.EMPTY_BUFFER);
  }

  public static RpcResponse of(Message message, ByteBuf payload) {
    return new RpcResponse(message, payload);
  }

  /**
   * A payload of {@code count} bytes of {@code file} from {@code position}; the RPC layer closes
   * the file after.
   */
  public static RpcResponse ofFile(Message message, FileChannel file, long position, long count) {
    return new RpcResponse(message, new FilePayload(file, position, count));
  }

  long payloadLength() {
    return payload instanceof ByteBuf buf ? buf.readableBytes() : ((FilePayload) payload).count();
  }
}
