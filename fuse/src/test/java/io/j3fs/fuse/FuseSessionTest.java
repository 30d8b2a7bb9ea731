package io.j3fs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.client.file.FileIo;
import io.j3fs.client.meta.MetaClient;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.status.StatusCode;
import io.j3fs.fuse.ops.Errno;
import io.j3fs.fuse.ops.FsContext;
import io.j3fs.fuse.protocol.Opcode;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session against an in-memory kernel: INIT negotiation, malformed requests answered EINVAL
 * (and nothing else disturbed), unknown opcodes ENOSYS, forgets counted, and interrupts: cutting
 * short a read-only call, applied when they arrive before their request, not cutting a mutation.
 * The metadata client here has no server to reach, so every metadata call keeps retrying until
 * interrupted or for {@link #RETRY_MS}.
 */
class FuseSessionTest {
  static final int HEADER = 40;

  /** How long a metadata call retries here before it fails (EIO), when nothing interrupts it. */
  static final long RETRY_MS = 4_000;

  FakeChannel kernel;
  FuseSession session;
  FsContext ctx;

  @BeforeEach
  void start() throws Exception {
    kernel = new FakeChannel();
    MetaClient meta =
        new MetaClient(
            null,
            () -> RoutingInfo.EMPTY,
            () -> {},
            "test",
            new MetaClient.Config(10_000, RETRY_MS, 10, 1_000));
    FuseConfig config = config(null, 1 << 20);
    ctx = new FsContext(meta, new FileIo(null), config);
    session = new FuseSession(ctx, kernel, config);
    kernel.send(init(7, 45, 0xffffffff));
    session.init();
    session.start();
  }

  @AfterEach
  void stop() throws Exception {
    kernel.unmount(2);
    assertThat(session.awaitStopped(10_000)).isTrue();
    session.close();
  }

  /** Two readers, the given direct-call timeout (null: default) and write buffer, else defaults. */
  static FuseConfig config(Long directMetaTimeoutMs, Integer writeBufferBytes) {
    return config(directMetaTimeoutMs, writeBufferBytes, null);
  }

  /** {@link #config(Long, Integer)} with this many active readers (null: default). */
  static FuseConfig config(
      Long directMetaTimeoutMs, Integer writeBufferBytes, Integer activeReaders) {
    return config(directMetaTimeoutMs, writeBufferBytes, activeReaders, null);
  }

  /** {@link #config(Long, Integer, Integer)} with this {@code max_in_flight} (null: default). */
  static FuseConfig config(
      Long directMetaTimeoutMs,
      Integer writeBufferBytes,
      Integer activeReaders,
      Integer maxInFlight) {
    return new FuseConfig(
        List.of("127.0.0.1:1"),
        null,
        2,
        activeReaders,
        maxInFlight,
        null,
        null,
        null,
        null,
        directMetaTimeoutMs,
        writeBufferBytes,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** A request: fuse_in_header (uid 0, pid 0), then {@code body}. */
  static byte[] request(int opcode, long unique, long nodeId, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(HEADER + body.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(HEADER + body.length).putInt(opcode).putLong(unique).putLong(nodeId);
    b.putInt(0).putInt(0).putInt(0).putShort((short) 0).putShort((short) 0);
    b.put(body);
    return b.array();
  }

  static byte[] init(int major, int minor, int flags) {
    ByteBuffer body = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    body.putInt(major).putInt(minor).putInt(1 << 20).putInt(flags);
    return request(Opcode.INIT, 1, 0, body.array());
  }

  static byte[] le64(long... values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      b.putLong(v);
    }
    return b.array();
  }

  @Test
  void initNegotiatesWhatBothSidesSupport() {
    int flags = session.negotiatedFlags();
    assertThat(flags & FuseSession.FUSE_ASYNC_READ).isNotZero();
    assertThat(flags & FuseSession.FUSE_DO_READDIRPLUS).isNotZero();
    assertThat(flags & FuseSession.FUSE_PARALLEL_DIROPS).isNotZero();
    assertThat(flags & FuseSession.FUSE_ATOMIC_O_TRUNC).isNotZero();
    assertThat(flags & FuseSession.FUSE_MAX_PAGES).isNotZero();
    assertThat(flags & FuseSession.FUSE_WRITEBACK_CACHE).as("off unless configured").isZero();
  }

  @Test
  void theInitReplyCarriesOneMebibyteWritesAndTheOfferedMinor() throws Exception {
    FakeChannel k = new FakeChannel();
    FuseConfig config = FuseConfig.of(List.of("127.0.0.1:1"));
    try (FuseSession s = new FuseSession(ctx, k, config)) {
      k.send(init(7, 28, FuseSession.FUSE_ASYNC_READ | FuseSession.FUSE_MAX_PAGES));
      s.init();
      ByteBuffer reply = k.reply();
      assertThat(reply.getInt(0)).isEqualTo(16 + 64);
      assertThat(reply.getInt(4)).as("error").isZero();
      assertThat(reply.getInt(16)).as("major").isEqualTo(7);
      assertThat(reply.getInt(20)).as("minor: the kernel's, being older").isEqualTo(28);
      assertThat(reply.getInt(28))
          .as("flags: only what the kernel offered")
          .isEqualTo(FuseSession.FUSE_ASYNC_READ | FuseSession.FUSE_MAX_PAGES);
      assertThat(reply.getInt(36)).as("max_write").isEqualTo(1 << 20);
      assertThat(Short.toUnsignedInt(reply.getShort(44))).as("max_pages").isEqualTo(256);
    }
  }

  @Test
  void malformedRequestsAreAnsweredEinvalAndTheSessionGoesOn() throws Exception {
    kernel.reply(); // INIT's
    // length field larger than what arrived
    byte[] lying = request(Opcode.GETATTR, 7, 1, new byte[16]);
    ByteBuffer.wrap(lying).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 4096);
    kernel.send(lying);
    assertThat(errorOf(kernel.reply(), 7)).isEqualTo(Errno.EINVAL);
    // a lookup whose name has no NUL
    kernel.send(request(Opcode.LOOKUP, 8, 1, "abc".getBytes(StandardCharsets.UTF_8)));
    assertThat(errorOf(kernel.reply(), 8)).isEqualTo(Errno.EINVAL);
    // a write whose data is shorter than its size says
    ByteBuffer write = ByteBuffer.allocate(40 + 10).order(ByteOrder.LITTLE_ENDIAN);
    write.putLong(1).putLong(0).putInt(1000).putInt(0).putLong(0).putInt(0).putInt(0);
    kernel.send(request(Opcode.WRITE, 9, 5000, write.array()));
    assertThat(errorOf(kernel.reply(), 9)).isIn(Errno.EINVAL, Errno.EBADF);
    // too short for a header at all: nothing to answer, and nothing breaks
    kernel.send(new byte[12]);
    kernel.send(request(4242, 10, 1, new byte[0]));
    assertThat(errorOf(kernel.reply(), 10)).as("unknown opcode").isEqualTo(Errno.ENOSYS);
  }

  @Test
  void destroyIsAnsweredEmpty() throws Exception {
    kernel.reply();
    kernel.send(request(Opcode.DESTROY, 40, 0, new byte[0]));
    ByteBuffer reply = kernel.reply();
    assertThat(errorOf(reply, 40)).isZero();
    assertThat(reply.limit()).as("header only").isEqualTo(16);
  }

  @Test
  void forgetsTakeBackLookupCounts() throws Exception {
    kernel.reply();
    ctx.inodes().looked(0x5000);
    ctx.inodes().looked(0x5000);
    ctx.inodes().looked(0x5000);
    ctx.inodes().looked(0x6000);
    kernel.send(request(Opcode.FORGET, 20, 0x5000, le64(2)));
    ByteBuffer count = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(2);
    kernel.send(
        request(Opcode.BATCH_FORGET, 21, 0, concat(count.array(), le64(0x5000, 1, 0x6000, 1))));
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (ctx.inodes().size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(ctx.inodes().count(0x5000)).isZero();
    assertThat(ctx.inodes().size()).as("every reference forgotten").isZero();
    assertThat(kernel.replyWithin(200)).as("forgets get no reply").isNull();
  }

  @Test
  void anInterruptCutsShortACallThatWouldRetryForLong() throws Exception {
    kernel.reply();
    long started = System.nanoTime();
    kernel.send(request(Opcode.GETATTR, 30, 1, new byte[16]));
    assertThat(kernel.replyWithin(300)).as("still retrying: no metadata server").isNull();
    kernel.send(request(Opcode.INTERRUPT, 31, 0, le64(30)));
    ByteBuffer reply = kernel.reply();
    assertThat(errorOf(reply, 30)).isEqualTo(Errno.EINTR);
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(RETRY_MS);
    assertThat(kernel.replyWithin(200)).as("an INTERRUPT itself gets no reply").isNull();
  }

  /**
   * The kernel asks again for a directory's attributes after every create or unlink in it; what
   * this mount sent within the attribute timeout answers it without a metadata call (there is no
   * server here: a call would retry until interrupted).
   */
  @Test
  void aDirectorysAttributesSentRecentlyAnswerGetattrWithoutACall() throws Exception {
    kernel.reply();
    Inode dir = Inode.newBuilder().setId(0x7000).setType(InodeType.DIRECTORY).setMode(0750).build();
    ctx.dirAttrs().remember(dir, ctx.dirAttrs().stamp());
    kernel.send(request(Opcode.GETATTR, 60, 0x7000, new byte[16]));
    ByteBuffer reply = kernel.replyWithin(2_000);
    assertThat(reply).as("answered at once").isNotNull();
    assertThat(errorOf(reply, 60)).isZero();
    assertThat(reply.getLong(16)).as("attr_valid: what is left of 30 s").isBetween(1L, 30L);
    assertThat(reply.getLong(32)).as("ino").isEqualTo(0x7000);
    assertThat(reply.getInt(92)).as("mode").isEqualTo(0040750);

    ctx.dirAttrs().invalidate(0x7000); // as a setattr of it does
    kernel.send(request(Opcode.GETATTR, 61, 0x7000, new byte[16]));
    assertThat(kernel.replyWithin(300)).as("asks the metadata service again").isNull();
    kernel.send(request(Opcode.INTERRUPT, 62, 0, le64(61)));
    assertThat(errorOf(kernel.reply(), 61)).isEqualTo(Errno.EINTR);
  }

  @Test
  void anInterruptThatArrivesBeforeItsRequestStillApplies() throws Exception {
    kernel.reply();
    // Another reader read the request an instant earlier; the interrupt is read first here.
    kernel.send(request(Opcode.INTERRUPT, 51, 0, le64(50)));
    Thread.sleep(100);
    kernel.send(request(Opcode.GETATTR, 50, 1, new byte[16]));
    assertThat(errorOf(kernel.reply(), 50)).isEqualTo(Errno.EINTR);
  }

  @Test
  void aMutationRunsOnThroughAnInterruptAndTheInterruptGetsNoReply() throws Exception {
    kernel.reply();
    // mkdir retries for a minute (no metadata server); an interrupt must not cut it short
    ByteBuffer body = ByteBuffer.allocate(8 + 4).order(ByteOrder.LITTLE_ENDIAN);
    body.putInt(0755).putInt(022).put("dir\0".getBytes(StandardCharsets.UTF_8));
    kernel.send(request(Opcode.MKDIR, 60, 1, body.array()));
    kernel.send(request(Opcode.INTERRUPT, 61, 0, le64(60)));
    assertThat(kernel.replyWithin(1_000))
        .as("neither the interrupt nor the still-running mkdir is answered yet")
        .isNull();
  }

  @Test
  void everyStatusHasAnErrno() {
    for (StatusCode code : StatusCode.values()) {
      assertThat(Errno.of(code))
          .as(code.name())
          .isGreaterThanOrEqualTo(code == StatusCode.OK ? 0 : 1);
    }
    assertThat(Errno.of(StatusCode.NOT_FOUND)).isEqualTo(Errno.ENOENT);
    assertThat(Errno.of(StatusCode.PERMISSION_DENIED)).isEqualTo(Errno.EACCES);
    assertThat(Errno.of(StatusCode.NOT_PERMITTED)).isEqualTo(Errno.EPERM);
    assertThat(Errno.of(StatusCode.NOT_EMPTY)).isEqualTo(Errno.ENOTEMPTY);
    assertThat(Errno.of(StatusCode.NO_SPACE)).isEqualTo(Errno.ENOSPC);
    assertThat(Errno.of(StatusCode.TOO_MANY_LINKS)).isEqualTo(Errno.EMLINK);
    assertThat(Errno.of(StatusCode.NO_SUCH_ATTRIBUTE)).isEqualTo(Errno.ENODATA);
  }

  /** The errno of a reply to {@code unique} (checks the header). */
  static int errorOf(ByteBuffer reply, long unique) {
    assertThat(reply.getLong(8)).as("reply's unique").isEqualTo(unique);
    assertThat(reply.getInt(0)).as("reply length").isEqualTo(reply.limit());
    return -reply.getInt(4);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
