package io.j3fs.fuse;

import static io.j3fs.fuse.FuseSessionTest.errorOf;
import static io.j3fs.fuse.FuseSessionTest.init;
import static io.j3fs.fuse.FuseSessionTest.request;
import static io.j3fs.fuse.Polling.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.client.file.FileIo;
import io.j3fs.client.meta.MetaClient;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.fuse.ops.Errno;
import io.j3fs.fuse.ops.FsContext;
import io.j3fs.fuse.protocol.Opcode;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcResponse;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.inproc.InProcessNetwork;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.meta.CloseRsp;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.LookupReq;
import io.j3fs.proto.meta.LookupRsp;
import io.j3fs.proto.meta.OpenReq;
import io.j3fs.proto.meta.OpenRsp;
import io.j3fs.proto.meta.RemoveReq;
import io.j3fs.proto.meta.RemoveRsp;
import io.j3fs.proto.meta.RequestId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Lookups answered by the reader thread over its own connection, and handed on when that path
 * declines. Two metadata servers stand at the same address: a real TCP one, which only the direct
 * links reach, and an in-process one, which only the ordinary client reaches; their answers differ,
 * so each reply shows which path produced it.
 */
class FuseDirectMetaTest {
  static final long DIRECT_INODE = 77;
  static final long ORDINARY_INODE = 88;

  NettyTransport tcp;
  InProcessNetwork inProcess;
  Dispatcher tcpMeta;
  Dispatcher inProcessMeta;
  RpcServer tcpServer;
  RpcServer inProcessServer;
  RpcClient ordinary;
  FakeChannel kernel;
  FuseSession session;
  final AtomicInteger tcpLookups = new AtomicInteger();
  final AtomicInteger ordinaryLookups = new AtomicInteger();
  final AtomicInteger tcpOpens = new AtomicInteger();
  final AtomicInteger ordinaryOpens = new AtomicInteger();

  /** The request ids of the mutations each server received, in order. */
  final List<RequestId> tcpMutations = new CopyOnWriteArrayList<>();

  final List<RequestId> ordinaryMutations = new CopyOnWriteArrayList<>();
  final AtomicInteger ordinaryCloses = new AtomicInteger();

  /** Closes reaching the ordinary service wait for this (open unless a test holds them). */
  volatile CountDownLatch closesHeld = new CountDownLatch(0);

  /** Lookups of "held", on either path, wait for this. */
  final CountDownLatch lookupsHeld = new CountDownLatch(1);

  private void start(Long directTimeoutMs) throws Exception {
    start(directTimeoutMs, null, 1_000);
  }

  private void start(Long directTimeoutMs, Integer activeReaders, long turnWaitMs)
      throws Exception {
    start(directTimeoutMs, activeReaders, turnWaitMs, null);
  }

  private void start(
      Long directTimeoutMs, Integer activeReaders, long turnWaitMs, Integer maxInFlight)
      throws Exception {
    tcp = new NettyTransport(NettyTransport.Io.best(), 1);
    tcpMeta = new Dispatcher();
    tcpMeta.register(
        "Meta.Lookup",
        request -> {
          tcpLookups.incrementAndGet();
          String name = request.message(LookupReq.class).getName();
          return switch (name) {
            case "held" -> {
              try {
                lookupsHeld.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              yield RpcResponse.of(found(DIRECT_INODE));
            }
            case "busy" -> throw new StatusException(StatusCode.BUSY, "too busy right now");
            case "missing" -> throw new StatusException(StatusCode.NOT_FOUND, "no " + name);
            case "denied" -> throw new StatusException(StatusCode.PERMISSION_DENIED, "not yours");
            default -> RpcResponse.of(found(DIRECT_INODE));
          };
        });
    tcpMeta.register(
        "Meta.Open",
        request -> {
          tcpOpens.incrementAndGet();
          return RpcResponse.of(opened(request.message(OpenReq.class)));
        });
    tcpMeta.register(
        "Meta.Remove",
        request -> {
          RemoveReq req = request.message(RemoveReq.class);
          tcpMutations.add(req.getRequest());
          switch (req.getPath().getPath()) {
            case "absent" -> throw new StatusException(StatusCode.NOT_FOUND, "no such name");
            case "slow" -> sleepQuietly(SLOW_MS); // applied, but answered past the timeout
            default -> {}
          }
          return RpcResponse.of(RemoveRsp.getDefaultInstance());
        });
    tcpMeta.register(
        "Meta.Create",
        request -> {
          CreateReq req = request.message(CreateReq.class);
          tcpMutations.add(req.getRequest());
          if (req.getPath().getPath().equals("slow")) {
            sleepQuietly(SLOW_MS); // made, but answered past the timeout
          }
          return RpcResponse.of(created(DIRECT_INODE));
        });
    tcpServer = tcp.serve(Endpoint.loopback(0), tcpMeta, ServerOptions.DEFAULT);
    Endpoint meta = tcpServer.endpoint();

    inProcess = new InProcessNetwork(1);
    inProcessMeta = new Dispatcher();
    inProcessMeta.register(
        "Meta.Lookup",
        request -> {
          ordinaryLookups.incrementAndGet();
          String name = request.message(LookupReq.class).getName();
          if (name.equals("held")) {
            awaitQuietly(lookupsHeld);
            return RpcResponse.of(found(ORDINARY_INODE));
          }
          if (!name.equals("busy") && !name.equals("direct")) {
            throw new StatusException(StatusCode.INTERNAL, "unexpected name " + name);
          }
          return RpcResponse.of(found(ORDINARY_INODE));
        });
    inProcessMeta.register(
        "Meta.Open",
        request -> {
          ordinaryOpens.incrementAndGet();
          return RpcResponse.of(opened(request.message(OpenReq.class)));
        });
    inProcessMeta.register(
        "Meta.Remove",
        request -> {
          ordinaryMutations.add(request.message(RemoveReq.class).getRequest());
          return RpcResponse.of(RemoveRsp.getDefaultInstance());
        });
    inProcessMeta.register(
        "Meta.Create",
        request -> {
          ordinaryMutations.add(request.message(CreateReq.class).getRequest());
          return RpcResponse.of(created(ORDINARY_INODE));
        });
    inProcessMeta.register(
        "Meta.Close",
        request -> {
          ordinaryCloses.incrementAndGet();
          try {
            closesHeld.await(30, TimeUnit.SECONDS); // past a reply's wait
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return RpcResponse.of(CloseRsp.getDefaultInstance());
        });
    inProcessServer = inProcess.serve(meta, inProcessMeta, ServerOptions.DEFAULT);
    ordinary = inProcess.client(ClientOptions.DEFAULT);

    RoutingInfo routing =
        new RoutingInfo(
            1,
            Map.of(
                new NodeId(1),
                new RoutingInfo.Node(new NodeId(1), NodeType.META, meta.toString(), false, false)),
            Map.of(),
            Map.of(),
            Map.of());
    MetaClient client =
        new MetaClient(
            ordinary,
            () -> routing,
            () -> {},
            "test",
            new MetaClient.Config(5_000, 5_000, 10, 100),
            ClientOptions.DEFAULT);
    FuseConfig config = FuseSessionTest.config(directTimeoutMs, null, activeReaders, maxInFlight);
    kernel = new FakeChannel();
    session = new FuseSession(new FsContext(client, new FileIo(null), config), kernel, config);
    session.turnWaitMs(turnWaitMs);
    kernel.send(init(7, 45, 0xffffffff));
    session.init();
    assertThat(errorOf(kernel.reply(), 1)).isZero(); // INIT's answer
    session.start();
  }

  private static LookupRsp found(long id) {
    return LookupRsp.newBuilder()
        .setInode(Inode.newBuilder().setId(id).setType(InodeType.FILE).setMode(0644).setNlink(1))
        .build();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static CreateRsp created(long id) {
    return CreateRsp.newBuilder()
        .setInode(Inode.newBuilder().setId(id).setType(InodeType.FILE).setMode(0644).setNlink(1))
        .setCreated(true)
        .build();
  }

  private static OpenRsp opened(OpenReq request) {
    boolean writes = (request.getFlags() & 03) != 0;
    return OpenRsp.newBuilder()
        .setInode(Inode.newBuilder().setId(5).setType(InodeType.FILE).setMode(0644).setNlink(1))
        .setSessionId(writes ? "session" : "")
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    kernel.unmount(2);
    assertThat(session.awaitStopped(10_000)).isTrue();
    session.close();
    ordinary.close();
    inProcessServer.close();
    inProcessMeta.close();
    inProcess.close();
    tcpServer.close();
    tcpMeta.close();
    tcp.close();
  }

  private ByteBuffer lookup(long unique, String name) throws InterruptedException {
    kernel.send(request(Opcode.LOOKUP, unique, 1, (name + "\0").getBytes(StandardCharsets.UTF_8)));
    return kernel.reply();
  }

  /** The node id of an entry reply (fuse_entry_out starts after the 16-byte header). */
  private static long nodeIdOf(ByteBuffer reply) {
    return reply.getLong(16);
  }

  @Test
  void aLookupIsAnsweredOverTheReadersOwnConnection() throws Exception {
    start(DIRECT_MS);
    ByteBuffer reply = lookup(10, "direct");
    assertThat(errorOf(reply, 10)).isZero();
    assertThat(nodeIdOf(reply)).isEqualTo(DIRECT_INODE);
    assertThat(tcpLookups.get()).isEqualTo(1);
    assertThat(ordinaryLookups.get()).isZero();
  }

  @Test
  void aDeclinedLookupIsHandedOnWholeAndTheOperationsOwnAnswersAreKept() throws Exception {
    start(DIRECT_MS);
    // BUSY is worth a retry: the reader hands the request on, rewound, so the ordinary path
    // reads the same name.
    ByteBuffer busy = lookup(11, "busy");
    assertThat(errorOf(busy, 11)).isZero();
    assertThat(nodeIdOf(busy)).isEqualTo(ORDINARY_INODE);
    assertThat(ordinaryLookups.get()).isEqualTo(1);
    // NOT_FOUND and PERMISSION_DENIED are answers, given as they are, not tried again.
    ByteBuffer missing = lookup(12, "missing");
    assertThat(errorOf(missing, 12)).isZero(); // a negative entry
    assertThat(nodeIdOf(missing)).isZero();
    assertThat(errorOf(lookup(13, "denied"), 13)).isEqualTo(Errno.EACCES);
    assertThat(ordinaryLookups.get()).isEqualTo(1);
    assertThat(tcpLookups.get()).isEqualTo(3);
  }

  /**
   * With one active reader of two, only one waits in read(2) while the mount is idle (a request
   * then goes to the reader that is free, not to a sleeping one), even past the turn's wait.
   */
  @Test
  void onlyTheActiveReadersWaitInRead() throws Exception {
    start(DIRECT_MS, 1, 200);
    Thread.sleep(1_000); // five turn waits: the idle holder keeps the other one waiting
    assertThat(kernel.reading()).isEqualTo(1);
    // The holder gives its turn up before it connects to meta; the other reader takes it. Neither
    // reads without a turn, so one waits in read(2) afterwards, however long the first request
    // took (a cold JVM loads its classes then).
    assertThat(nodeIdOf(lookup(16, "direct"))).isEqualTo(DIRECT_INODE);
    Thread.sleep(600);
    assertThat(kernel.reading()).isEqualTo(1);
  }

  /**
   * The safety net: a holder blocked where it keeps its turn (here: waiting for room, with
   * max_in_flight 1 taken by a request the service holds) lets the other reader read without one
   * after a turn wait, so the requests behind it (an interrupt, here) are still read.
   */
  @Test
  void aHolderBlockedWithItsTurnLetsAnotherReadAfterATurnWait() throws Exception {
    start(0L, 1, 200, 1); // no direct links: lookups go to handlers
    try {
      kernel.send(request(Opcode.LOOKUP, 40, 1, "held\0".getBytes(StandardCharsets.UTF_8)));
      await(() -> ordinaryLookups.get() == 1); // the service holds it, and the room
      kernel.send(request(Opcode.LOOKUP, 41, 1, "held\0".getBytes(StandardCharsets.UTF_8)));
      // The holder reads it and waits for room with its turn: nobody is in read(2) for a while.
      await(() -> kernel.pending() == 0 && kernel.reading() == 0);
      long emptyNanos = System.nanoTime();
      // The other reader gets into read(2) without a turn once the holder has been out of it for
      // a whole turn wait (judged over the wait: a holder just back from read(2) when the other's
      // wait ends does not count as absent).
      await(() -> kernel.reading() == 1);
      assertThat(System.nanoTime() - emptyNanos)
          .as("a whole turn wait after the holder left read(2)")
          .isGreaterThanOrEqualTo(200_000_000L);
      assertThat(ordinaryLookups.get()).as("the second waits for room").isEqualTo(1);
    } finally {
      lookupsHeld.countDown();
    }
    // Both answered once the service lets them go (in either order: a reply is written after the
    // handler gives its room back).
    Map<Long, Integer> errors = new java.util.TreeMap<>();
    for (int i = 0; i < 2; i++) {
      ByteBuffer reply = kernel.reply();
      errors.put(reply.getLong(8), -reply.getInt(4));
    }
    assertThat(errors).isEqualTo(Map.of(40L, 0, 41L, 0));
  }

  /**
   * A reader waiting for the metadata service gives up its turn: the other reader answers the next
   * request meanwhile (here the turn's safety net would take 30 s).
   */
  @Test
  void aReaderWaitingForTheServiceLetsAnotherRead() throws Exception {
    start(DIRECT_MS, 1, 30_000);
    try {
      kernel.send(request(Opcode.LOOKUP, 17, 1, "held\0".getBytes(StandardCharsets.UTF_8)));
      ByteBuffer other = lookup(18, "direct");
      assertThat(errorOf(other, 18)).isZero();
      assertThat(lookupsHeld.getCount()).as("answered while the first waits").isEqualTo(1);
    } finally {
      lookupsHeld.countDown();
    }
    assertThat(errorOf(kernel.reply(), 17)).isZero();
  }

  @Test
  void aLostServerIsDeclinedAndTheOrdinaryPathAnswers() throws Exception {
    start(DIRECT_MS);
    assertThat(nodeIdOf(lookup(14, "direct"))).isEqualTo(DIRECT_INODE);
    tcpServer.close();
    for (int i = 0; i < 4; i++) {
      ByteBuffer reply = lookup(15 + i, "direct");
      assertThat(errorOf(reply, 15 + i)).isZero();
      assertThat(nodeIdOf(reply)).isEqualTo(ORDINARY_INODE);
    }
    assertThat(ordinaryLookups.get()).isEqualTo(4);
  }

  @Test
  void onlyOpensThatNeitherWriteNorTruncateTakeTheReadersConnection() throws Exception {
    start(DIRECT_MS);
    int unique = 30;
    for (int flags : new int[] {0, 01, 02, 01000, 0100000}) {
      kernel.send(request(Opcode.OPEN, unique, 5, le32(flags, 0)));
      assertThat(errorOf(kernel.reply(), unique)).as("open with flags 0%o", flags).isZero();
      unique++;
    }
    // O_RDONLY and O_RDONLY|O_LARGEFILE directly; O_WRONLY, O_RDWR and O_TRUNC on the ordinary path
    assertThat(tcpOpens.get()).isEqualTo(2);
    assertThat(ordinaryOpens.get()).isEqualTo(3);
  }

  /** Little-endian u32s, as the kernel's request structs hold them. */
  private static byte[] le32(int... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return b.array();
  }

  /** How long the TCP server takes over a "slow" removal: past the direct timeout used with it. */
  static final long SLOW_MS = 3_000;

  /**
   * The direct timeout of the tests that expect the direct path to answer: generous, so that a
   * reader's first connect on a loaded machine is not taken for a failure.
   */
  static final long DIRECT_MS = 5_000;

  /**
   * The direct timeout of the tests with slow answers: long enough for the reader's first connect
   * and handshake on a loaded machine, well short of SLOW_MS.
   */
  static final long SLOW_TIMEOUT_MS = 1_500;

  private ByteBuffer unlink(long unique, String name) throws InterruptedException {
    kernel.send(request(Opcode.UNLINK, unique, 1, (name + "\0").getBytes(StandardCharsets.UTF_8)));
    return kernel.reply();
  }

  /**
   * A CREATE of {@code name} in the root: fuse_create_in (flags, mode, umask, open flags), name.
   */
  private ByteBuffer create(long unique, String name, int flags) throws InterruptedException {
    byte[] in = le32(flags, 0100644, 022, 0);
    kernel.send(
        request(
            Opcode.CREATE,
            unique,
            1,
            FuseSessionTest.concat(in, (name + "\0").getBytes(StandardCharsets.UTF_8))));
    return kernel.reply();
  }

  @Test
  void aMutationIsAnsweredOverTheReadersOwnConnection() throws Exception {
    start(DIRECT_MS);
    assertThat(errorOf(unlink(40, "gone"), 40)).isZero();
    assertThat(errorOf(unlink(41, "absent"), 41))
        .as("its own answer, not tried again")
        .isEqualTo(Errno.ENOENT);
    assertThat(tcpMutations).hasSize(2);
    assertThat(ordinaryMutations).isEmpty();
    assertThat(tcpMutations.get(0)).isNotEqualTo(tcpMutations.get(1));
  }

  /**
   * A mutation whose direct attempt timed out may have been applied: the ordinary path sends it
   * with the same request id, which the service's idempotency record answers.
   */
  @Test
  void aDeclinedMutationGoesOnWithTheSameRequestId() throws Exception {
    start(SLOW_TIMEOUT_MS);
    ByteBuffer reply = unlink(42, "slow");
    assertThat(errorOf(reply, 42)).isZero();
    assertThat(tcpMutations).hasSize(1);
    assertThat(ordinaryMutations).containsExactly(tcpMutations.getFirst());
  }

  @Test
  void aDeclinedCreateGoesOnWithTheSameRequestIdAndOneHandle() throws Exception {
    start(SLOW_TIMEOUT_MS);
    ByteBuffer reply = create(45, "slow", 0101); // O_CREAT | O_WRONLY
    assertThat(errorOf(reply, 45)).isZero();
    assertThat(nodeIdOf(reply)).isEqualTo(ORDINARY_INODE);
    assertThat(tcpMutations).hasSize(1);
    assertThat(ordinaryMutations).containsExactly(tcpMutations.getFirst());
    // fuse_entry_out is 128 bytes after the 16-byte header; fuse_open_out's fh follows
    long fh = reply.getLong(16 + 128);
    assertThat(fh).as("the first handle: the declined attempt opened none").isEqualTo(1);
    assertThat(errorOf(handleOp(Opcode.FLUSH, 46, fh), 46)).isZero();
  }

  @Test
  void onlyCreatesThatDoNotTruncateTakeTheReadersConnection() throws Exception {
    start(DIRECT_MS);
    ByteBuffer direct = create(43, "new", 0101); // O_CREAT | O_WRONLY
    assertThat(errorOf(direct, 43)).isZero();
    assertThat(nodeIdOf(direct)).isEqualTo(DIRECT_INODE);
    ByteBuffer truncating = create(44, "cut", 01101); // O_CREAT | O_WRONLY | O_TRUNC
    assertThat(errorOf(truncating, 44)).isZero();
    assertThat(nodeIdOf(truncating)).isEqualTo(ORDINARY_INODE);
    assertThat(tcpMutations).hasSize(1);
    assertThat(ordinaryMutations).hasSize(1);
  }

  /** fuse_flush_in or fuse_release_in of handle {@code fh} (flags, lock owner 0). */
  private ByteBuffer handleOp(int opcode, long unique, long fh) throws InterruptedException {
    byte[] in = FuseSessionTest.le64(fh, 0, 0);
    kernel.send(request(opcode, unique, 5, in));
    return kernel.reply();
  }

  /**
   * A flush with nothing to send or report, and the release of such a handle, are answered by the
   * reader: nothing to ask the service, except that a write session still ends there (in the
   * background, after the reply).
   */
  @Test
  void quietFlushesAndReleasesAskTheServiceNothing() throws Exception {
    start(DIRECT_MS);
    kernel.send(request(Opcode.OPEN, 50, 5, le32(0, 0)));
    ByteBuffer opened = kernel.reply();
    assertThat(errorOf(opened, 50)).isZero();
    long fh = opened.getLong(16);
    assertThat(errorOf(handleOp(Opcode.FLUSH, 51, fh), 51)).isZero();
    assertThat(errorOf(handleOp(Opcode.RELEASE, 52, fh), 52)).isZero();
    assertThat(errorOf(handleOp(Opcode.FLUSH, 53, fh), 53)).as("released").isEqualTo(Errno.EBADF);

    kernel.send(request(Opcode.OPEN, 54, 5, le32(01, 0)));
    ByteBuffer writing = kernel.reply();
    assertThat(errorOf(writing, 54)).isZero();
    long wfh = writing.getLong(16);
    assertThat(errorOf(handleOp(Opcode.FLUSH, 55, wfh), 55)).isZero();
    assertThat(ordinaryCloses.get()).isZero();
    closesHeld = new CountDownLatch(1); // the service holds every close
    assertThat(errorOf(handleOp(Opcode.RELEASE, 56, wfh), 56))
        .as("answered while its session's close is still held")
        .isZero();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (ordinaryCloses.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    closesHeld.countDown();
    assertThat(ordinaryCloses.get()).as("its write session ended, after the reply").isEqualTo(1);
    assertThat(errorOf(handleOp(Opcode.FLUSH, 57, wfh), 57)).as("released").isEqualTo(Errno.EBADF);
  }

  @Test
  void aZeroTimeoutTurnsTheDirectPathOff() throws Exception {
    start(0L);
    assertThat(nodeIdOf(lookup(20, "direct"))).isEqualTo(ORDINARY_INODE);
    assertThat(tcpLookups.get()).isZero();
  }
}
