package io.j3fs.client.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.proto.WireMethod;
import io.j3fs.proto.storage.BatchReadReq;
import io.j3fs.proto.storage.BatchReadRsp;
import io.j3fs.proto.storage.ReadIo;
import io.j3fs.proto.storage.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The coalescer against a fake client whose calls the test answers: a lone read goes at once, reads
 * arriving while the node is busy go together, each caller gets exactly its own results and bytes,
 * failures reach every caller of a combined call, and the limits hold.
 */
class NodeReadsTest {
  static final Endpoint NODE = Endpoint.loopback(1);

  /** Records calls; the test completes them. */
  static final class FakeRpc implements RpcClient {
    final List<BatchReadReq> requests = new ArrayList<>();
    final List<CompletableFuture<RpcReply>> replies = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<RpcReply> call(
        Endpoint peer, WireMethod method, Message request, ByteBuf payload, long timeoutMs) {
      payload.release();
      requests.add((BatchReadReq) request);
      CompletableFuture<RpcReply> f = new CompletableFuture<>();
      replies.add(f);
      return f;
    }

    @Override
    public void close() {}
  }

  final FakeRpc rpc = new FakeRpc();
  final NodeReads reads = new NodeReads(rpc, NODE, StorageClient.BATCH_READ, 1_000);

  /** A request of reads named by their offsets (the text each read's bytes will be). */
  static BatchReadReq request(int... offsets) {
    BatchReadReq.Builder b = BatchReadReq.newBuilder();
    for (int o : offsets) {
      b.addIos(ReadIo.newBuilder().setChainId(1).setOffset(o).setLength(4));
    }
    return b.build();
  }

  /**
   * The server's answer to {@code request}: read at offset o returns the 4 bytes "r" + o (zero
   * padded), except offsets in {@code failing}, which fail with NOT_FOUND (and carry no bytes);
   * offset 7 also has 2 leading and 3 trailing bytes around its 4, as a block-checked read does.
   */
  static RpcReply answer(BatchReadReq request, int... failing) {
    BatchReadRsp.Builder rsp = BatchReadRsp.newBuilder();
    ByteBuf payload = Unpooled.buffer();
    for (ReadIo io : request.getIosList()) {
      int o = io.getOffset();
      if (java.util.Arrays.stream(failing).anyMatch(f -> f == o)) {
        rsp.addResults(
            ReadResult.newBuilder().setStatus(StatusCode.NOT_FOUND.number()).setMessage("gone"));
        continue;
      }
      ReadResult.Builder r = ReadResult.newBuilder().setLength(4);
      if (o == 7) {
        r.setLeadingBytes(2).setTrailingBytes(3);
        payload.writeBytes("<<".getBytes(StandardCharsets.US_ASCII));
      }
      payload.writeBytes(String.format("r%03d", o).getBytes(StandardCharsets.US_ASCII));
      if (o == 7) {
        payload.writeBytes(">>>".getBytes(StandardCharsets.US_ASCII));
      }
      rsp.addResults(r);
    }
    return new RpcReply(rsp.build(), payload);
  }

  static RpcReply get(CompletableFuture<RpcReply> f) throws Exception {
    return f.get(5, TimeUnit.SECONDS);
  }

  static String text(RpcReply reply) {
    return reply.payload().toString(StandardCharsets.US_ASCII);
  }

  @Test
  void aLoneReadGoesAtOnceAndReadsArrivingWhileTheNodeIsBusyGoTogether() throws Exception {
    CompletableFuture<RpcReply> a = reads.call(request(1), 4);
    CompletableFuture<RpcReply> b = reads.call(request(2), 4);
    assertThat(rpc.requests).hasSize(NodeReads.MAX_IN_FLIGHT); // both sent alone
    CompletableFuture<RpcReply> c = reads.call(request(3, 7), 8);
    CompletableFuture<RpcReply> d = reads.call(request(4), 4);
    CompletableFuture<RpcReply> e = reads.call(request(5, 6), 8);
    assertThat(rpc.requests).hasSize(2); // the node is busy: these wait

    RpcReply first = answer(rpc.requests.get(0));
    rpc.replies.get(0).complete(first);
    assertThat(get(a)).isSameAs(first); // a lone call's answer passes through untouched
    assertThat(rpc.requests).hasSize(3);
    assertThat(rpc.requests.get(2).getIosList())
        .extracting(ReadIo::getOffset)
        .containsExactly(3, 7, 4, 5, 6); // the waiting calls, in order, as one

    RpcReply whole = answer(rpc.requests.get(2), 5);
    ByteBuf combined = whole.payload();
    rpc.replies.get(2).complete(whole);
    try (RpcReply rc = get(c);
        RpcReply rd = get(d);
        RpcReply re = get(e)) {
      BatchReadRsp mc = rc.message(BatchReadRsp.class);
      assertThat(mc.getResultsCount()).isEqualTo(2);
      assertThat(text(rc)).isEqualTo("r003<<r007>>>"); // its reads' bytes, leading and trailing too
      assertThat(text(rd)).isEqualTo("r004");
      BatchReadRsp me = re.message(BatchReadRsp.class);
      assertThat(me.getResults(0).getStatus()).isEqualTo(StatusCode.NOT_FOUND.number());
      assertThat(me.getResults(1).getStatus()).isZero();
      assertThat(text(re)).isEqualTo("r006"); // a failed read carries no bytes
    }
    assertThat(combined.refCnt()).as("every slice released").isZero();

    rpc.replies.get(1).complete(answer(rpc.requests.get(1)));
    get(b).close();
    // Nothing waits now: the next read goes at once.
    reads.call(request(9), 4);
    assertThat(rpc.requests).hasSize(4);
  }

  @Test
  void aFailedCombinedCallFailsEachOfItsCallersWithItsStatus() throws Exception {
    reads.call(request(1), 4);
    reads.call(request(2), 4);
    CompletableFuture<RpcReply> c = reads.call(request(3), 4);
    CompletableFuture<RpcReply> d = reads.call(request(4), 4);
    rpc.replies.get(0).complete(answer(rpc.requests.get(0)));
    rpc.replies.get(2).completeExceptionally(new StatusException(StatusCode.BUSY, "too busy"));
    for (CompletableFuture<RpcReply> f : List.of(c, d)) {
      assertThatThrownBy(() -> get(f))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              StatusException.class, s -> assertThat(s.code()).isEqualTo(StatusCode.BUSY));
    }
    // An answer that does not add up fails them too, and releases its bytes.
    reads.call(request(5), 4); // call 3: one of two in flight again (with call 1)
    CompletableFuture<RpcReply> g = reads.call(request(6), 4);
    CompletableFuture<RpcReply> h = reads.call(request(7), 4);
    rpc.replies.get(1).complete(answer(rpc.requests.get(1)));
    assertThat(rpc.requests.get(4).getIosCount()).isEqualTo(2); // g and h together
    RpcReply shortAnswer = answer(request(6)); // one result for two reads
    ByteBuf payload = shortAnswer.payload();
    rpc.replies.get(4).complete(shortAnswer);
    for (CompletableFuture<RpcReply> f : List.of(g, h)) {
      assertThatThrownBy(() -> get(f))
          .cause()
          .isInstanceOfSatisfying(
              StatusException.class, s -> assertThat(s.code()).isEqualTo(StatusCode.INTERNAL));
    }
    assertThat(payload.refCnt()).isZero();
  }

  @Test
  void aCallerThatStoppedWaitingHasItsBytesReleased() throws Exception {
    reads.call(request(1), 4);
    reads.call(request(2), 4);
    CompletableFuture<RpcReply> c = reads.call(request(3), 4);
    CompletableFuture<RpcReply> d = reads.call(request(4), 4);
    c.cancel(false);
    rpc.replies.get(0).complete(answer(rpc.requests.get(0)));
    RpcReply whole = answer(rpc.requests.get(2));
    ByteBuf payload = whole.payload();
    rpc.replies.get(2).complete(whole);
    get(d).close();
    assertThat(payload.refCnt()).isZero();
  }

  @Test
  void limitsHold() {
    assertThat(NodeReads.coalesces(request(1), NodeReads.SMALL_BYTES)).isTrue();
    assertThat(NodeReads.coalesces(request(1), NodeReads.SMALL_BYTES + 1)).isFalse();
    assertThat(NodeReads.coalesces(request(1).toBuilder().setAllowUncommitted(true).build(), 4))
        .isFalse();
    reads.call(request(1), 4);
    reads.call(request(2), 4);
    // More waiting reads than one call may hold: they go as two calls.
    int[] many = new int[NodeReads.MAX_IOS / 2 + 1];
    java.util.Arrays.setAll(many, i -> 100 + i);
    reads.call(request(many), 4L * many.length);
    reads.call(request(many), 4L * many.length);
    rpc.replies.get(0).complete(answer(rpc.requests.get(0)));
    assertThat(rpc.requests).hasSize(3);
    assertThat(rpc.requests.get(2).getIosCount()).isEqualTo(many.length);
    rpc.replies.get(1).complete(answer(rpc.requests.get(1)));
    assertThat(rpc.requests).hasSize(4);
    assertThat(rpc.requests.get(3).getIosCount()).isEqualTo(many.length);
  }
}
