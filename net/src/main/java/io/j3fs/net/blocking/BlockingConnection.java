package io.j3fs.net.blocking;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.FrameHeader;
import io.j3fs.net.Handshake;
import io.j3fs.net.MalformedFrameException;
import io.j3fs.proto.HandshakeReq;
import io.j3fs.proto.RpcError;
import io.j3fs.proto.WireMethod;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection on which the calling thread itself writes a request and reads its answer: no event
 * loop, no hand-off. A call costs the peer's wake-up and this thread's, where the event-loop client
 * costs two more (the loop's, to send; the caller's, to be told). It carries small calls without
 * payloads, one at a time, for threads that must answer fast and can afford to wait, such as the
 * FUSE readers answering lookups.
 *
 * <p>Speaks the same frames as the Netty transport (so servers need nothing new): the handshake
 * first, then one request and its answer after another. Not for TLS (the caller keeps to the
 * event-loop client then).
 *
 * <p>Not thread-safe: one owner thread. Any transport failure (timeout, lost connection, a frame
 * that is not the answer) closes the connection, since a late answer would otherwise be taken for
 * the next call's; the owner opens a new one.
 *
 * <p>The channel stays in blocking mode with no socket timeout, so an answer costs one read(2):
 * with a timeout set, the JDK makes the socket non-blocking and every wait becomes a read that
 * finds nothing, a poll(2) and a read again. Deadlines are kept by {@link Deadlines} instead, which
 * closes a connection whose call (or connect) ran past its own; the blocked read then fails and the
 * call answers TIMEOUT. An interrupt of the owner thread closes the channel too (the connection is
 * then unusable, UNAVAILABLE); the FUSE readers are never interrupted.
 */
public final class BlockingConnection implements AutoCloseable {
  /** Requests are encoded into a buffer of this size, grown (up to the frame limit) when needed. */
  private static final int INITIAL_BUFFER_BYTES = 4096;

  private final Endpoint peer;
  private final ClientOptions options;
  private final SocketChannel channel;
  private byte[] buffer = new byte[INITIAL_BUFFER_BYTES];

  /**
   * Bytes read and not used yet, in read mode: an answer's header and message usually arrive
   * together and come in one read(2).
   */
  private ByteBuffer in = ByteBuffer.allocate(INITIAL_BUFFER_BYTES).flip();

  private long nextRequestId = 1;
  private boolean closed;

  /**
   * When the call in progress must have its answer (System.nanoTime), 0 when there is none, or
   * {@link #EXPIRED} once {@link Deadlines} took it. Owner and watchdog both change it by
   * compare-and-set only, so the watchdog can expire exactly the call it saw late, never one that
   * finished meanwhile or the next one.
   */
  final AtomicLong deadlineNanos = new AtomicLong();

  static final long EXPIRED = Long.MIN_VALUE;

  /** Set by {@link Deadlines} before it closes the channel of a call past its deadline. */
  volatile boolean timedOut;

  private BlockingConnection(Endpoint peer, ClientOptions options, SocketChannel channel) {
    this.peer = peer;
    this.options = options;
    this.channel = channel;
  }

  /**
   * Connects and shakes hands within {@code timeoutMs}.
   *
   * @throws StatusException UNAVAILABLE or TIMEOUT when the peer cannot be reached, the handshake's
   *     refusal (for example PERMISSION_DENIED for a wrong token) as the server stated it
   */
  public static BlockingConnection open(Endpoint peer, ClientOptions options, long timeoutMs) {
    if (options.ssl() != null) {
      throw new IllegalArgumentException("blocking connections do not speak TLS");
    }
    BlockingConnection c = null;
    boolean opened = false;
    try {
      SocketChannel channel = SocketChannel.open();
      c = new BlockingConnection(peer, options, channel);
      Deadlines.watch(c);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      long connectBy = deadline(Math.min(timeoutMs, options.connectTimeoutMs()));
      c.deadlineNanos.set(connectBy);
      channel.connect(new InetSocketAddress(peer.host(), peer.port()));
      long answerBy = deadline(timeoutMs);
      if (!c.deadlineNanos.compareAndSet(connectBy, answerBy)) {
        throw new IOException("connect took too long");
      }
      HandshakeReq hello = Handshake.request(options);
      c.exchange(FrameHeader.FLAG_HANDSHAKE, 0, 0, hello, null, "handshake");
      if (!c.deadlineNanos.compareAndSet(answerBy, 0)) {
        throw new IOException("the handshake took too long");
      }
      opened = true;
      return c;
    } catch (IOException | UnresolvedAddressException e) {
      boolean late = c != null && c.timedOut;
      throw new StatusException(
          late ? StatusCode.TIMEOUT : StatusCode.UNAVAILABLE,
          "cannot connect to "
              + peer
              + ": "
              + (late ? "no answer in time" : String.valueOf(e.getMessage())));
    } finally {
      if (!opened && c != null) {
        c.close(); // whatever failed, it is not left watched
      }
    }
  }

  /**
   * A deadline {@code timeoutMs} from now (at most a day); never 0 or {@link #EXPIRED}, which mean
   * something else.
   */
  private static long deadline(long timeoutMs) {
    long at = System.nanoTime() + Math.clamp(timeoutMs, 1, 86_400_000L) * 1_000_000L;
    return at == 0 || at == EXPIRED ? at + 1 : at;
  }

  public Endpoint peer() {
    return peer;
  }

  public boolean isClosed() {
    return closed || timedOut;
  }

  /**
   * Sends {@code request} and waits up to {@code timeoutMs} for its answer.
   *
   * @throws StatusException the operation's own failure as the server sent it (the connection stays
   *     usable), or UNAVAILABLE / TIMEOUT / INTERNAL for a transport failure (the connection is
   *     closed)
   */
  public <T extends Message> T call(
      WireMethod method, Message request, Class<T> type, long timeoutMs) {
    if (isClosed()) {
      throw new StatusException(StatusCode.UNAVAILABLE, "connection to " + peer + " is closed");
    }
    long answerBy = deadline(timeoutMs);
    deadlineNanos.set(answerBy);
    Message answer;
    try {
      answer =
          exchange(
              0,
              method.serviceId(),
              method.methodId(),
              request,
              method.responsePrototype(),
              method.fullName());
    } catch (IOException e) {
      boolean late = timedOut;
      close();
      throw new StatusException(
          late ? StatusCode.TIMEOUT : StatusCode.UNAVAILABLE,
          method.fullName() + " to " + peer + ": " + (late ? "no answer in time" : e.getMessage()));
    } catch (StatusException e) {
      finishCall(answerBy);
      throw e; // the operation's own failure, or a malformed answer (then closed)
    }
    finishCall(answerBy);
    return type.cast(answer);
  }

  /**
   * Ends the call's deadline; when the watchdog took it meanwhile (the answer came in the last
   * instant), the channel is closing under us, and the connection is closed for good.
   */
  private void finishCall(long answerBy) {
    if (!deadlineNanos.compareAndSet(answerBy, 0)) {
      close();
    }
  }

  /**
   * Writes one frame and reads the one answering it. A handshake answer is checked and nothing is
   * returned; otherwise the answer's message is parsed with {@code prototype}.
   */
  private Message exchange(
      int flags, int serviceId, int methodId, Message request, Message prototype, String what)
      throws IOException {
    boolean handshake = (flags & FrameHeader.FLAG_HANDSHAKE) != 0;
    long requestId = handshake ? 0 : nextRequestId++;
    int messageLength = request.getSerializedSize();
    int frameLength = FrameHeader.BYTES + messageLength;
    if (messageLength > options.limits().maxMessageBytes()) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          what
              + " request of "
              + messageLength
              + " bytes is over the limit of "
              + options.limits().maxMessageBytes());
    }
    if (buffer.length < frameLength) {
      buffer = new byte[Math.max(frameLength, buffer.length * 2)];
    }
    ByteBuf head = Unpooled.wrappedBuffer(buffer).writerIndex(0);
    new FrameHeader(flags, requestId, serviceId, methodId, messageLength, 0).writeTo(head);
    CodedOutputStream coded =
        CodedOutputStream.newInstance(buffer, FrameHeader.BYTES, messageLength);
    request.writeTo(coded);
    coded.checkNoSpaceLeft();
    ByteBuffer out = ByteBuffer.wrap(buffer, 0, frameLength);
    while (out.hasRemaining()) {
      channel.write(out);
    }

    need(FrameHeader.BYTES);
    FrameHeader answer;
    try {
      answer =
          FrameHeader.peek(
              Unpooled.wrappedBuffer(in.slice(in.position(), FrameHeader.BYTES)), options.limits());
    } catch (MalformedFrameException e) {
      throw new IOException("malformed answer: " + e.getMessage());
    }
    in.position(in.position() + FrameHeader.BYTES);
    if (!answer.isResponse()
        || answer.isHandshake() != handshake
        || answer.requestId() != requestId) {
      throw new IOException(
          "answer to request " + answer.requestId() + " where " + requestId + " was asked");
    }
    int bodyLength = answer.messageLength();
    need(bodyLength);
    ByteBuffer body = in.slice(in.position(), bodyLength);
    in.position(in.position() + bodyLength);
    try {
      // Parsed before the payload is skipped: skipping reads into the buffer the body lies in.
      RpcError error = answer.isError() ? RpcError.parser().parseFrom(body) : null;
      Message message =
          error != null || prototype == null ? null : prototype.getParserForType().parseFrom(body);
      skip(answer.payloadLength()); // message-only calls: a payload is not expected, and not kept
      if (error != null) {
        throw new StatusException(StatusCode.fromNumber(error.getCode()), error.getMessage());
      }
      return message;
    } catch (InvalidProtocolBufferException e) {
      close();
      throw new StatusException(
          StatusCode.INTERNAL, "cannot parse the " + what + " answer from " + peer);
    }
  }

  /**
   * Reads until {@code n} bytes are buffered (growing the buffer if it is smaller; frames are
   * bounded by the frame limits checked in the header).
   */
  private void need(int n) throws IOException {
    if (in.remaining() >= n) {
      return;
    }
    if (in.capacity() < n) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(n, in.capacity() * 2));
      bigger.put(in);
      in = bigger;
    } else {
      in.compact();
    }
    while (in.position() < n) {
      if (channel.read(in) < 0) {
        throw new EOFException("connection closed by the server");
      }
    }
    in.flip();
  }

  /** Reads past {@code length} bytes. */
  private void skip(int length) throws IOException {
    long left = length;
    while (left > 0) {
      if (!in.hasRemaining()) {
        need(1);
      }
      int n = (int) Math.min(left, in.remaining());
      in.position(in.position() + n);
      left -= n;
    }
  }

  /**
   * Closes the channel from {@link Deadlines}' thread, which took the deadline (set it to {@link
   * #EXPIRED}): the owner's blocked read, write or connect fails.
   */
  void expire() {
    timedOut = true;
    closeQuietly();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Deadlines.unwatch(this);
      closeQuietly();
    }
  }

  private void closeQuietly() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was pending on it that anyone waits for
    }
  }
}
