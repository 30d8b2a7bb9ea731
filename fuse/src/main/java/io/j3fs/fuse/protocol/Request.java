package io.j3fs.fuse.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One request from the kernel: the 40-byte fuse_in_header, then the opcode's arguments, read in
 * order through a cursor. Every read checks the bounds of the request, so a short or malformed
 * request fails with {@link MalformedRequest} naming what was missing, never reads past its end.
 *
 * <p>Not thread-safe: one handler reads it.
 */
public final class Request {
  public static final int HEADER_BYTES = 40;

  private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
  private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;

  private final MemorySegment bytes;
  private final int opcode;
  private final long unique;
  private final long nodeId;
  private final int uid;
  private final int gid;
  private final int pid;
  private long cursor;

  /** Thrown for a request whose bytes do not hold what its opcode needs. */
  public static final class MalformedRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedRequest(String message) {
      super(message);
    }
  }

  private Request(MemorySegment bytes) {
    this.bytes = bytes;
    this.opcode = bytes.get(U32, 4);
    this.unique = bytes.get(U64, 8);
    this.nodeId = bytes.get(U64, 16);
    this.uid = bytes.get(U32, 24);
    this.gid = bytes.get(U32, 28);
    this.pid = bytes.get(U32, 32);
    int extensionBytes = 8 * Short.toUnsignedInt(bytes.get(U16, 36));
    this.cursor = HEADER_BYTES;
    if (extensionBytes > bytes.byteSize() - HEADER_BYTES) {
      throw new MalformedRequest("request extensions run past the request's end");
    }
  }

  /**
   * Parses the header of {@code bytes} (exactly one request as read from the device). The length
   * field must match what was read.
   */
  public static Request parse(MemorySegment bytes) {
    if (bytes.byteSize() < HEADER_BYTES) {
      throw new MalformedRequest(
          "request of " + bytes.byteSize() + " bytes is shorter than its 40-byte header");
    }
    long declared = Integer.toUnsignedLong(bytes.get(U32, 0));
    if (declared != bytes.byteSize()) {
      throw new MalformedRequest(
          "request header says " + declared + " bytes but " + bytes.byteSize() + " arrived");
    }
    return new Request(bytes);
  }

  /** The unique id a request of {@code bytes} carries (0 if too short to say). */
  public static long uniqueOf(MemorySegment bytes) {
    return bytes.byteSize() >= 16 ? bytes.get(U64, 8) : 0;
  }

  /**
   * Puts the read position back at the first byte after the header, so the request can be handled
   * again from the start (a reader that could not answer it hands it on).
   */
  public void rewind() {
    cursor = HEADER_BYTES;
  }

  public int opcode() {
    return opcode;
  }

  public long unique() {
    return unique;
  }

  public long nodeId() {
    return nodeId;
  }

  public int uid() {
    return uid;
  }

  public int gid() {
    return gid;
  }

  public int pid() {
    return pid;
  }

  private void need(long n, String what) {
    if (cursor + n > bytes.byteSize()) {
      throw new MalformedRequest(
          "request " + opcode + " is too short for its " + what + " (" + n + " bytes)");
    }
  }

  public int u32(String what) {
    need(4, what);
    int v = bytes.get(U32, cursor);
    cursor += 4;
    return v;
  }

  public long u64(String what) {
    need(8, what);
    long v = bytes.get(U64, cursor);
    cursor += 8;
    return v;
  }

  /** A NUL-terminated name (UTF-8). */
  public String string(String what) {
    long end = cursor;
    while (end < bytes.byteSize() && bytes.get(ValueLayout.JAVA_BYTE, end) != 0) {
      end++;
    }
    if (end >= bytes.byteSize()) {
      throw new MalformedRequest("request " + opcode + " has no NUL-terminated " + what);
    }
    byte[] raw = bytes.asSlice(cursor, end - cursor).toArray(ValueLayout.JAVA_BYTE);
    cursor = end + 1;
    return new String(raw, StandardCharsets.UTF_8);
  }

  /** The next {@code n} bytes, as a view (valid while the request is). */
  public MemorySegment slice(long n, String what) {
    need(n, what);
    MemorySegment s = bytes.asSlice(cursor, n);
    cursor += n;
    return s;
  }
}
