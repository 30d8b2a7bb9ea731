package io.j3fs.net;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Builds the header-and-message part of a frame in one pooled buffer; the payload is written after
 * it, uncopied.
 */
public final class FrameEncoder {
  private FrameEncoder() {}

  /**
   * Returns a buffer holding the header and the serialized message; the caller owns it (it is
   * released when written).
   *
   * @param payloadLength bytes of payload the caller writes right after this buffer
   */
  public static ByteBuf encode(
      ByteBufAllocator allocator,
      int flags,
      long requestId,
      int serviceId,
      int methodId,
      MessageLite message,
      long payloadLength) {
    if (payloadLength > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "payload of " + payloadLength + " bytes does not fit a frame");
    }
    int messageLength = message.getSerializedSize();
    ByteBuf out = allocator.directBuffer(FrameHeader.BYTES + messageLength);
    boolean done = false;
    try {
      new FrameHeader(flags, requestId, serviceId, methodId, messageLength, (int) payloadLength)
          .writeTo(out);
      ByteBuffer target = out.nioBuffer(out.writerIndex(), messageLength);
      CodedOutputStream coded = CodedOutputStream.newInstance(target);
      message.writeTo(coded);
      coded.flush();
      out.writerIndex(out.writerIndex() + messageLength);
      done = true;
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize " + message.getClass().getSimpleName(), e);
    } finally {
      if (!done) {
        out.release();
      }
    }
  }
}
