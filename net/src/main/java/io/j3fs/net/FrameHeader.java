package io.j3fs.net;

import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32C;

/**
 * The fixed 32-byte header in front of every frame, big-endian:
 *
 * <pre>
 *  0  magic          u32  0x4a334653 ("J3FS")
 *  4  version        u8   1
 *  5  flags          u8   RESPONSE | ERROR | HANDSHAKE
 *  6  reserved       u16  0
 *  8  requestId      u64  chosen by the caller, echoed in the response
 * 16  serviceId      u16
 * 18  methodId       u16
 * 20  messageLength  u32  bytes of protobuf message that follow the header
 * 24  payloadLength  u32  bytes of raw payload that follow the message (never inside protobuf)
 * 28  headerCrc      u32  CRC32C of bytes 0..27
 * </pre>
 *
 * A frame is header, message, payload. Lengths are checked against {@link FrameLimits} before
 * anything is allocated.
 */
public record FrameHeader(
    int flags, long requestId, int serviceId, int methodId, int messageLength, int payloadLength) {
  public static final int BYTES = 32;
  public static final int MAGIC = 0x4a33_4653;
  public static final int VERSION = 1;

  public static final int FLAG_RESPONSE = 1;
  public static final int FLAG_ERROR = 2;
  public static final int FLAG_HANDSHAKE = 4;
  private static final int KNOWN_FLAGS = FLAG_RESPONSE | FLAG_ERROR | FLAG_HANDSHAKE;

  public boolean isResponse() {
    return (flags & FLAG_RESPONSE) != 0;
  }

  public boolean isError() {
    return (flags & FLAG_ERROR) != 0;
  }

  public boolean isHandshake() {
    return (flags & FLAG_HANDSHAKE) != 0;
  }

  public void writeTo(ByteBuf out) {
    int start = out.writerIndex();
    out.writeInt(MAGIC);
    out.writeByte(VERSION);
    out.writeByte(flags);
    out.writeShort(0);
    out.writeLong(requestId);
    out.writeShort(serviceId);
    out.writeShort(methodId);
    out.writeInt(messageLength);
    out.writeInt(payloadLength);
    out.writeInt(crc(out, start));
  }

  /**
   * Reads a header from the next {@link #BYTES} readable bytes of {@code in} without moving its
   * reader index.
   *
   * @throws MalformedFrameException naming what is wrong
   */
  public static FrameHeader peek(ByteBuf in, FrameLimits limits) {
    int at = in.readerIndex();
    int magic = in.getInt(at);
    if (magic != MAGIC) {
      throw new MalformedFrameException(String.format("bad magic 0x%08x", magic));
    }
    int storedCrc = in.getInt(at + 28);
    int actualCrc = crc(in, at);
    if (storedCrc != actualCrc) {
      throw new MalformedFrameException(
          String.format(
              "header checksum mismatch: stored 0x%08x, computed 0x%08x", storedCrc, actualCrc));
    }
    int version = in.getUnsignedByte(at + 4);
    if (version != VERSION) {
      throw new MalformedFrameException("unsupported frame version " + version);
    }
    int flags = in.getUnsignedByte(at + 5);
    if ((flags & ~KNOWN_FLAGS) != 0) {
      throw new MalformedFrameException(String.format("unknown flags 0x%02x", flags));
    }
    long messageLength = in.getUnsignedInt(at + 20);
    long payloadLength = in.getUnsignedInt(at + 24);
    if (messageLength > limits.maxMessageBytes()) {
      throw new MalformedFrameException(
          "message of "
              + messageLength
              + " bytes is over the limit of "
              + limits.maxMessageBytes());
    }
    if (payloadLength > limits.maxPayloadBytes()) {
      throw new MalformedFrameException(
          "payload of "
              + payloadLength
              + " bytes is over the limit of "
              + limits.maxPayloadBytes());
    }
    return new FrameHeader(
        flags,
        in.getLong(at + 8),
        in.getUnsignedShort(at + 16),
        in.getUnsignedShort(at + 18),
        (int) messageLength,
        (int) payloadLength);
  }

  private static int crc(ByteBuf buf, int start) {
    CRC32C crc = new CRC32C();
    if (buf.hasArray()) {
      crc.update(buf.array(), buf.arrayOffset() + start, 28);
    } else {
      crc.update(buf.nioBuffer(start, 28));
    }
    return (int) crc.getValue();
  }
}
