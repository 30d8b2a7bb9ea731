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
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

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
 */
public final class BlockingConnection implements AutoCloseable {
  /** Requests are encoded into a buffer of this size, grown (up to the frame limit) when needed. */
  private static final int INITIAL_BUFFER_BYTES = 4096;

  private final Endpoint peer;
  private final ClientOptions options;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] header = new byte[FrameHeader.BYTES];
  private byte[] buffer = new byte[INITIAL_BUFFER_BYTES];
  private long nextRequestId = 1;
  private boolean closed;

  private BlockingConnection(Endpoint peer, ClientOptions options, Socket socket)
      throws IOException {
    this.peer = peer;
    this.options = options;
    this.socket = socket;
    // Buffered: an answer's header and message usually arrive together and come in one read(2).
    this.in = new BufferedInputStream(socket.getInputStream(), INITIAL_BUFFER_BYTES);
    this.out = socket.getOutputStream();
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
    Socket socket = new Socket();
    BlockingConnection c = null;
    try {
      socket.setTcpNoDelay(true);
      socket.connect(
          new InetSocketAddress(peer.host(), peer.port()),
          (int) Math.max(1, Math.min(timeoutMs, options.connectTimeoutMs())));
      c = new BlockingConnection(peer, options, socket);
      HandshakeReq hello = Handshake.request(options);
      c.exchange(FrameHeader.FLAG_HANDSHAKE, 0, 0, hello, null, timeoutMs, "handshake");
      return c;
    } catch (IOException e) {
      closeQuietly(socket);
      throw new StatusException(
          e instanceof SocketTimeoutException ? StatusCode.TIMEOUT : StatusCode.UNAVAILABLE,
          "cannot connect to " + peer + ": " + e.getMessage());
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  public Endpoint peer() {
    return peer;
  }

  public boolean isClosed() {
    return closed;
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
    if (closed) {
      throw new StatusException(StatusCode.UNAVAILABLE, "connection to " + peer + " is closed");
    }
    try {
      Message answer =
          exchange(
              0,
              method.serviceId(),
              method.methodId(),
              request,
              method.responsePrototype(),
              timeoutMs,
              method.fullName());
      return type.cast(answer);
    } catch (IOException e) {
      close();
      throw new StatusException(
          e instanceof SocketTimeoutException ? StatusCode.TIMEOUT : StatusCode.UNAVAILABLE,
          method.fullName() + " to " + peer + ": " + describe(e));
    }
  }

  /**
   * Writes one frame and reads the one answering it. A handshake answer is checked and nothing is
   * returned; otherwise the answer's message is parsed with {@code prototype}.
   */
  private Message exchange(
      int flags,
      int serviceId,
      int methodId,
      Message request,
      Message prototype,
      long timeoutMs,
      String what)
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
    socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMs)));
    out.write(buffer, 0, frameLength);
    out.flush();

    readFully(header, FrameHeader.BYTES);
    FrameHeader answer;
    try {
      answer = FrameHeader.peek(Unpooled.wrappedBuffer(header), options.limits());
    } catch (MalformedFrameException e) {
      throw new IOException("malformed answer: " + e.getMessage());
    }
    if (!answer.isResponse()
        || answer.isHandshake() != handshake
        || answer.requestId() != requestId) {
      throw new IOException(
          "answer to request " + answer.requestId() + " where " + requestId + " was asked");
    }
    int bodyLength = answer.messageLength();
    byte[] body = bodyLength <= buffer.length ? buffer : new byte[bodyLength];
    readFully(body, bodyLength);
    skip(answer.payloadLength()); // message-only calls: a payload is not expected, and not kept
    try {
      if (answer.isError()) {
        RpcError error = RpcError.parser().parseFrom(body, 0, bodyLength);
        throw new StatusException(StatusCode.fromNumber(error.getCode()), error.getMessage());
      }
      if (prototype == null) {
        return null;
      }
      return prototype.getParserForType().parseFrom(body, 0, bodyLength);
    } catch (InvalidProtocolBufferException e) {
      close();
      throw new StatusException(
          StatusCode.INTERNAL, "cannot parse the " + what + " answer from " + peer);
    }
  }

  private void readFully(byte[] into, int length) throws IOException {
    int at = 0;
    while (at < length) {
      int n = in.read(into, at, length - at);
      if (n < 0) {
        throw new EOFException("connection closed by the server");
      }
      at += n;
    }
  }

  private void skip(int length) throws IOException {
    long left = length;
    while (left > 0) {
      long n = in.skip(left);
      if (n <= 0) {
        if (in.read() < 0) {
          throw new EOFException("connection closed by the server");
        }
        n = 1;
      }
      left -= n;
    }
  }

  private static String describe(IOException e) {
    return e instanceof SocketTimeoutException ? "no answer in time" : e.getMessage();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      closeQuietly(socket);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing was pending on it that anyone waits for
    }
  }
}
