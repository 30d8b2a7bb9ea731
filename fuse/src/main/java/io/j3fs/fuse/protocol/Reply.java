package io.j3fs.fuse.protocol;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A reply being built: the fuse_out_header (length, error, unique) is filled in by the session; the
 * body is written here field by field, little-endian as the kernel's structs are on x86-64 and
 * aarch64. Bulk data (read results) travels as extra native parts beside the body, not copied in.
 */
public final class Reply {
  public static final int HEADER_BYTES = 16;

  private ByteBuffer body;
  private MemorySegment[] data = new MemorySegment[0];
  private Runnable onSent;

  public Reply(int capacity) {
    body = ByteBuffer.allocate(Math.max(16, capacity)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** An empty (success, no body) reply. */
  public static Reply empty() {
    return new Reply(0);
  }

  private void ensure(int n) {
    if (body.remaining() < n) {
      ByteBuffer bigger =
          ByteBuffer.allocate(Math.max(body.capacity() * 2, body.position() + n))
              .order(ByteOrder.LITTLE_ENDIAN);
      body.flip();
      bigger.put(body);
      body = bigger;
    }
  }

  public Reply u16(int v) {
    ensure(2);
    body.putShort((short) v);
    return this;
  }

  public Reply u32(long v) {
    ensure(4);
    body.putInt((int) v);
    return this;
  }

  public Reply u64(long v) {
    ensure(8);
    body.putLong(v);
    return this;
  }

  public Reply zeros(int n) {
    ensure(n);
    for (int i = 0; i < n; i++) {
      body.put((byte) 0);
    }
    return this;
  }

  public Reply bytes(byte[] raw) {
    ensure(raw.length);
    body.put(raw);
    return this;
  }

  /** Pads the body with zeros to a multiple of 8 bytes (dirent records). */
  public Reply align8() {
    return zeros((8 - (body.position() & 7)) & 7);
  }

  public Reply string(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  public int bodyBytes() {
    return body.position();
  }

  /** Appends bulk bytes (native segments, sent as they are); {@code onSent} runs after the send. */
  public Reply data(MemorySegment[] parts, Runnable onSent) {
    this.data = parts;
    this.onSent = onSent;
    return this;
  }

  /** The body written so far, as a view (valid until the reply is written to again). */
  public MemorySegment bodyView() {
    return MemorySegment.ofBuffer(body.duplicate().flip());
  }

  public MemorySegment[] dataParts() {
    return data;
  }

  public long dataBytes() {
    long n = 0;
    for (MemorySegment s : data) {
      n += s.byteSize();
    }
    return n;
  }

  /** Lets go of the bulk data (after it was sent, or when the reply is dropped). */
  public void release() {
    Runnable r = onSent;
    onSent = null;
    if (r != null) {
      r.run();
    }
  }
}
