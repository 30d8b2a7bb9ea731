package io.j3fs.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.List;

/**
 * What a response payload may be: a {@link ByteBuf}, a {@link FilePayload}, or a {@link Parts} of
 * those, sent one after another as one payload (a batch read answers with a file range per chunk
 * and buffers between). Whoever holds a payload owns it and must either send it or {@link #release}
 * it.
 */
public final class Payloads {
  private Payloads() {}

  /** Payload pieces in order; each a ByteBuf or a FilePayload. */
  public record Parts(List<Object> parts) {
    public Parts {
      parts = List.copyOf(parts);
      for (Object part : parts) {
        if (!(part instanceof ByteBuf) && !(part instanceof FilePayload)) {
          throw new IllegalArgumentException(
              "a payload part must be a ByteBuf or a FilePayload, not " + part.getClass());
        }
      }
    }
  }

  static void check(Object payload) {
    if (!(payload instanceof ByteBuf)
        && !(payload instanceof FilePayload)
        && !(payload instanceof Parts)) {
      throw new IllegalArgumentException(
          "payload must be a ByteBuf, a FilePayload or Payloads.Parts, not "
              + (payload == null ? "null" : payload.getClass().getName()));
    }
  }

  /** Bytes the payload sends. */
  public static long length(Object payload) {
    return switch (payload) {
      case ByteBuf buf -> buf.readableBytes();
      case FilePayload file -> file.count();
      case Parts parts -> {
        long total = 0;
        for (Object part : parts.parts()) {
          total += length(part);
        }
        yield total;
      }
      default -> throw new IllegalArgumentException("not a payload: " + payload.getClass());
    };
  }

  /** Gives the payload up unsent: buffers released, file ranges done. */
  public static void release(Object payload) {
    switch (payload) {
      case ByteBuf buf -> {
        if (buf.refCnt() > 0) {
          buf.release();
        }
      }
      case FilePayload file -> file.done();
      case Parts parts -> parts.parts().forEach(Payloads::release);
      default -> throw new IllegalArgumentException("not a payload: " + payload.getClass());
    }
  }

  /**
   * The payload as one buffer, for paths where the bytes pass through user space (TLS, the
   * in-process transport); takes ownership of the payload, the buffer is the caller's.
   */
  public static ByteBuf toBuffer(Object payload, ByteBufAllocator allocator) {
    return switch (payload) {
      case ByteBuf buf -> buf;
      case FilePayload file -> file.readAndRelease(allocator);
      case Parts parts -> {
        CompositeByteBuf out = allocator.compositeDirectBuffer(Math.max(2, parts.parts().size()));
        int taken = 0;
        try {
          for (Object part : parts.parts()) {
            out.addComponent(true, toBuffer(part, allocator));
            taken++;
          }
          yield out;
        } catch (RuntimeException e) {
          out.release();
          parts.parts().subList(taken + 1, parts.parts().size()).forEach(Payloads::release);
          throw e;
        }
      }
      default -> throw new IllegalArgumentException("not a payload: " + payload.getClass());
    };
  }
}
