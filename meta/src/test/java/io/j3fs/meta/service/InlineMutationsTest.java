package io.j3fs.meta.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.ForwardingKvEngine;
import io.j3fs.kv.TxBody;
import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.MetaFixture;
import io.j3fs.meta.ops.CreateOp;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.inproc.InProcessNetwork;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.RequestId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mutations run inline (MetaService.bindInlineMutation) are answered only once their commit is
 * durable; a conflict hands the request to the ordinary handler; a commit not known durable is
 * answered COMMIT_UNKNOWN and its retry gets the stored answer; what needs more than the store goes
 * the ordinary way. The store's durability is a future the test completes.
 */
class InlineMutationsTest {
  /** A memory store whose deferred commits become durable when the test says. */
  static final class GatedStore extends ForwardingKvEngine {
    final List<CompletableFuture<Void>> gates = new CopyOnWriteArrayList<>();
    final AtomicInteger deferredAttempts = new AtomicInteger();
    final AtomicBoolean conflictNext = new AtomicBoolean();

    GatedStore() {
      super(new MemoryKvEngine());
    }

    @Override
    public <T> Deferred<T> runOnceDeferred(TxBody<T> body) {
      deferredAttempts.incrementAndGet();
      if (conflictNext.getAndSet(false)) {
        throw new StatusException(StatusCode.TRANSACTION_CONFLICT, "injected conflict");
      }
      Deferred<T> done = store.runOnceDeferred(body);
      CompletableFuture<Void> gate = new CompletableFuture<>();
      gates.add(gate);
      return new Deferred<>(done.value(), gate);
    }

    @Override
    public boolean localReads() {
      return true;
    }

    @Override
    public void close() {
      store.close();
    }
  }

  private final GatedStore store = new GatedStore();
  private final InProcessNetwork network = new InProcessNetwork(7);
  private final Dispatcher dispatcher = new Dispatcher();
  private MetaFixture m;
  private RpcServer server;
  private RpcClient client;
  private long dir;

  @BeforeEach
  void start() {
    m = new MetaFixture(store);
    dir = m.mkdir("/d").getId();
    OneAttemptWrites writes = new OneAttemptWrites(store);
    MetaContext once = m.ctx.withKv(writes);
    MetaService.bindInlineMutation(
        dispatcher,
        "Create",
        CreateReq.class,
        writes,
        new CreateOp(once),
        new CreateOp(m.ctx),
        q -> CreateOp.storeOnly(m.ctx, q));
    server = network.serve(Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT);
    client = network.client(ClientOptions.DEFAULT);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
    dispatcher.close();
    network.close();
    store.close();
  }

  private CompletableFuture<CreateRsp> create(String name, int flags, long requestId) {
    CreateReq req =
        CreateReq.newBuilder()
            .setUser(MetaFixture.ROOT)
            .setRequest(RequestId.newBuilder().setClientId("test").setRequestId(requestId))
            .setPath(PathAt.newBuilder().setParent(dir).setPath(name))
            .setMode(0644)
            .setFlags(flags)
            .build();
    return client
        .call(server.endpoint(), "Meta.Create", req, 10_000)
        .thenApply(
            reply -> {
              try (reply) {
                return reply.message(CreateRsp.class);
              }
            });
  }

  private static final int CREATE_WRITE = 0100 | 01;

  private void awaitGates(int n) throws InterruptedException {
    for (int i = 0; i < 10_000 && store.gates.size() < n; i++) {
      Thread.sleep(1);
    }
    assertThat(store.gates).hasSize(n);
  }

  @Test
  void anInlineCreateIsAnsweredOnlyOnceItsCommitIsDurable() throws Exception {
    CompletableFuture<CreateRsp> answer = create("f", CREATE_WRITE, 1);
    awaitGates(1);
    Thread.sleep(50);
    assertThat(answer).as("committed, not yet durable: no answer").isNotDone();
    Inode seen = m.stat("/d/f");
    store.gates.get(0).complete(null);
    CreateRsp rsp = answer.get();
    assertThat(rsp.getCreated()).isTrue();
    assertThat(rsp.getInode().getId()).isEqualTo(seen.getId());
    assertThat(store.deferredAttempts).hasValue(1);
  }

  @Test
  void aConflictHandsTheCreateToTheOrdinaryHandler() throws Exception {
    store.conflictNext.set(true);
    CreateRsp rsp = create("f", CREATE_WRITE, 1).get();
    assertThat(rsp.getCreated()).isTrue();
    assertThat(store.deferredAttempts).as("one inline attempt").hasValue(1);
    assertThat(store.gates).as("the ordinary handler waits for its own commit").isEmpty();
    assertThat(m.stat("/d/f").getId()).isEqualTo(rsp.getInode().getId());
  }

  @Test
  void aCommitNotKnownDurableIsCommitUnknownAndItsRetryGetsTheStoredAnswer() throws Exception {
    CompletableFuture<CreateRsp> first = create("f", CREATE_WRITE, 5);
    awaitGates(1);
    store
        .gates
        .get(0)
        .completeExceptionally(new StatusException(StatusCode.COMMIT_UNKNOWN, "not known durable"));
    assertThatThrownBy(first::get)
        .cause()
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.COMMIT_UNKNOWN));
    CompletableFuture<CreateRsp> retry = create("f", CREATE_WRITE, 5);
    awaitGates(2);
    store.gates.get(1).complete(null);
    CreateRsp rsp = retry.get();
    assertThat(rsp.getCreated()).as("the first attempt's stored answer").isTrue();
    assertThat(rsp.getInode().getId()).isEqualTo(m.stat("/d/f").getId());
  }

  @Test
  void aCreateInAnotherClientsLeasedDirectoryIsRefusedOnceTheRecallIsDurable() throws Exception {
    io.j3fs.proto.meta.AcquireDirLeaseRsp lease =
        new io.j3fs.meta.ops.AcquireDirLeaseOp(m.ctx)
            .run(
                io.j3fs.proto.meta.AcquireDirLeaseReq.newBuilder()
                    .setUser(MetaFixture.ROOT)
                    .setRequest(RequestId.newBuilder().setClientId("holder").setRequestId(1))
                    .setDir(dir)
                    .build());
    assertThat(lease.getGranted()).isTrue();
    CompletableFuture<CreateRsp> answer = create("f", CREATE_WRITE, 1);
    awaitGates(1); // the recall, committed on the event loop
    Thread.sleep(50);
    assertThat(answer).as("the recall is not durable yet: no answer").isNotDone();
    store.gates.get(0).complete(null);
    assertThatThrownBy(answer::get)
        .cause()
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.DIRECTORY_LEASED));
    byte[] stored = store.read(tx -> tx.get(io.j3fs.meta.store.MetaKeys.dirLease(dir)));
    io.j3fs.proto.meta.store.DirLeaseRecord record =
        io.j3fs.proto.meta.store.DirLeaseRecord.parseFrom(stored);
    assertThat(record.getRecalled()).as("the holder is asked to give it back").isTrue();
    assertThatThrownBy(() -> m.stat("/d/f")).isInstanceOf(StatusException.class);
  }

  @Test
  void aTruncatingCreateGoesTheOrdinaryWay() throws Exception {
    CreateRsp rsp = create("f", CREATE_WRITE | 01000, 1).get();
    assertThat(rsp.getCreated()).isTrue();
    assertThat(store.deferredAttempts).hasValue(0);
  }
}
