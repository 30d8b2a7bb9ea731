package io.j3fs.client.storage;

import com.google.protobuf.ByteString;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcReply;
import io.j3fs.proto.storage.BatchReadReq;
import io.j3fs.proto.storage.BatchReadRsp;
import io.j3fs.proto.storage.ReadIo;
import io.j3fs.proto.storage.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One batch of chunk reads: each read picks a serving replica of its chain, the reads bound for one
 * storage node travel in one {@code BatchRead} call (split at the server's limits), the calls to
 * different nodes run at once, and the reads that failed are retried together on other replicas. A
 * batch of 32 random 4 KiB reads across three nodes costs three round trips instead of 32.
 *
 * <p>Each read's bytes are checked here against the stored checksums of the 4 KiB blocks they
 * cover, which the replica sends beside them without passing over the bytes itself (it may send
 * them straight from its data file). A block that does not match is read again from the same
 * replica with the replica verifying: damage on its disk then answers CHECKSUM_MISMATCH there
 * (counted in its metrics) and the read moves to another replica; damage in flight or a race with
 * an update simply reads right the second time.
 *
 * <p>Runs on the caller's thread (blocking; meant for virtual threads). Not shared between calls.
 */
final class BatchReads {
  /** Reads in one call, at most (the server's {@code BatchReadOp.MAX_IOS}). */
  static final int MAX_IOS_PER_CALL = 4_096;

  /** Bytes asked for in one call, at most (the server's {@code BatchReadOp.MAX_BYTES}). */
  static final long MAX_BYTES_PER_CALL = 256L << 20;

  private final StorageClient client;
  private final List<StorageClient.ReadRequest> reads;
  private final ByteBuf[] results;

  /** Reads the replica verifies (after a block here did not match); the rest the client does. */
  private final boolean[] serverVerifies;

  /** Per read, shifts the replica choice (-1 per mismatch, to ask the same replica again). */
  private final int[] replicaShift;

  private final int spread = ThreadLocalRandom.current().nextInt(1 << 16);

  BatchReads(StorageClient client, List<StorageClient.ReadRequest> reads) {
    this.client = client;
    this.reads = reads;
    this.results = new ByteBuf[reads.size()];
    this.serverVerifies = new boolean[reads.size()];
    this.replicaShift = new int[reads.size()];
  }

  /** Runs the batch; the buffers, in request order, belong to the caller. */
  List<ByteBuf> run() {
    StorageClient.Retry retry = client.newRetry();
    List<Integer> pending = allIndices();
    try {
      for (int round = 0; ; round++) {
        List<Integer> failed = new ArrayList<>();
        StatusException firstFailure = attempt(pending, round, failed);
        if (failed.isEmpty()) {
          return Arrays.asList(results);
        }
        if (firstFailure != null) {
          retry.onFailure(
              firstFailure, failed.size() + " of " + reads.size() + " reads of a batch");
        }
        // else only reads whose blocks did not match failed: each goes once more, verified by
        // its replica, without waiting (bounded: a read is escalated once).
        pending = failed;
      }
    } catch (RuntimeException e) {
      release();
      throw e;
    }
  }

  /**
   * The batch's first attempt without blocking: the calls are sent, and the future completes on the
   * thread that completes the last answer (an event loop). It fails, with every buffer released, if
   * any read would need a retry or a second read (a replica away, a call or read that failed, a
   * block that did not match): then the caller runs the whole batch with {@link #run()}.
   */
  CompletableFuture<List<ByteBuf>> firstAttempt() {
    List<Integer> failed = new ArrayList<>();
    List<Call> calls = new ArrayList<>();
    StatusException planned = plan(allIndices(), 0, failed, calls);
    if (!failed.isEmpty()) {
      return CompletableFuture.failedFuture(planned);
    }
    calls.forEach(Call::send);
    return CompletableFuture.allOf(
            calls.stream().map(c -> c.reply).toArray(CompletableFuture[]::new))
        .handle(
            (ignored, error) -> {
              StatusException first = collect(calls, failed, null); // answers are in: never waits
              if (failed.isEmpty()) {
                return Arrays.asList(results);
              }
              release();
              throw first != null
                  ? first
                  : new StatusException(StatusCode.CHECKSUM_MISMATCH, "a block did not match");
            });
  }

  private void release() {
    for (int i = 0; i < results.length; i++) {
      if (results[i] != null) {
        results[i].release();
        results[i] = null;
      }
    }
  }

  /** One call per node for {@code indices}; fills results, adds what failed to {@code failed}. */
  private StatusException attempt(List<Integer> indices, int round, List<Integer> failed) {
    List<Call> calls = new ArrayList<>();
    StatusException first = plan(indices, round, failed, calls);
    calls.forEach(Call::send);
    return collect(calls, failed, first);
  }

  /** Collects every call's answer (in order); returns the first failure, {@code first} if any. */
  private static StatusException collect(
      List<Call> calls, List<Integer> failed, StatusException first) {
    for (Call call : calls) {
      StatusException e = call.collect(failed);
      first = first == null ? e : first;
    }
    return first;
  }

  private List<Integer> allIndices() {
    List<Integer> all = new ArrayList<>(reads.size());
    for (int i = 0; i < reads.size(); i++) {
      all.add(i);
    }
    return all;
  }

  /**
   * Groups {@code indices} into calls by the node of the replica each reads from this round (into
   * {@code calls}, not sent); reads with no replica to go to are added to {@code failed}.
   */
  private StatusException plan(
      List<Integer> indices, int round, List<Integer> failed, List<Call> calls) {
    RoutingInfo routing = client.routing();
    StatusException first = null;
    Map<Endpoint, List<Call>> byNode = new LinkedHashMap<>();
    for (int index : indices) {
      StorageClient.ReadRequest read = reads.get(index);
      try {
        RoutingInfo.Chain chain = client.chain(routing, read.chain());
        List<RoutingInfo.Member> readable = chain.readable();
        if (readable.isEmpty()) {
          throw new StatusException(
              StatusCode.TARGET_NOT_SERVING,
              "chain " + read.chain() + " has no serving replica now");
        }
        RoutingInfo.Member replica =
            readable.get(
                Math.floorMod(spread + index + round + replicaShift[index], readable.size()));
        Endpoint node = StorageClient.endpointOf(routing, replica);
        List<Call> toNode = byNode.computeIfAbsent(node, n -> new ArrayList<>());
        if (toNode.isEmpty() || toNode.getLast().full(read.length())) {
          toNode.add(new Call(node));
        }
        toNode.getLast().add(index, read, chain.version());
      } catch (StatusException e) {
        first = first == null ? e : first;
        failed.add(index);
      }
    }
    byNode.values().forEach(calls::addAll);
    return first;
  }

  /** The reads of one batch bound for one node, as one BatchRead call. */
  private final class Call {
    private final Endpoint node;
    private final List<Integer> indices = new ArrayList<>();
    private final BatchReadReq.Builder request = BatchReadReq.newBuilder();
    private long bytes;
    private CompletableFuture<RpcReply> reply;

    Call(Endpoint node) {
      this.node = node;
    }

    boolean full(int length) {
      return indices.size() >= MAX_IOS_PER_CALL || bytes + length > MAX_BYTES_PER_CALL;
    }

    void add(int index, StorageClient.ReadRequest read, long chainVersion) {
      indices.add(index);
      bytes += read.length();
      request.addIos(
          ReadIo.newBuilder()
              .setChainId(read.chain().value())
              .setChainVersion(chainVersion)
              .setChunkId(ByteString.copyFrom(read.chunk().toBytes()))
              .setOffset(read.offset())
              .setLength(read.length())
              .setClientVerifies(!serverVerifies[index]));
    }

    void send() {
      BatchReadReq built = request.build();
      reply =
          NodeReads.coalesces(built, bytes)
              ? client.nodeReads(node).call(built, bytes)
              : client
                  .rpc()
                  .call(
                      node,
                      StorageClient.BATCH_READ,
                      built,
                      Unpooled.EMPTY_BUFFER,
                      client.config().rpcTimeoutMs());
    }

    /** Waits for the answer; returns the first failure (null if none), adding failed indices. */
    StatusException collect(List<Integer> failed) {
      StatusException first = null;
      int handled = 0; // reads before this one have a result or are in failed
      try (RpcReply answer = StorageClient.await(reply)) {
        BatchReadRsp rsp = answer.message(BatchReadRsp.class);
        if (rsp.getResultsCount() != indices.size()) {
          throw new StatusException(
              StatusCode.INTERNAL,
              node + " answered " + rsp.getResultsCount() + " reads of " + indices.size());
        }
        ByteBuf payload = answer.payload();
        int at = 0;
        for (int i = 0; i < indices.size(); i++, handled = i) {
          ReadResult result = rsp.getResults(i);
          if (result.getStatus() != 0) {
            first =
                first != null
                    ? first
                    : new StatusException(
                        StatusCode.fromNumber(result.getStatus()), result.getMessage());
            failed.add(indices.get(i));
            continue;
          }
          int wire = result.getLeadingBytes() + result.getLength() + result.getTrailingBytes();
          if (wire < 0 || at + (long) wire > payload.readableBytes()) {
            throw new StatusException(
                StatusCode.INTERNAL, node + " sent fewer payload bytes than its reads name");
          }
          int start = payload.readerIndex() + at;
          at += wire;
          ByteBuf bytes;
          if (result.getBlockChecksumsCount() > 0) {
            int bad = BlockCheck.firstBadBlock(payload.slice(start, wire), result);
            if (bad >= 0) {
              client.countRetry(StatusCode.CHECKSUM_MISMATCH);
              int index = indices.get(i);
              if (serverVerifies[index]) {
                throw new StatusException(
                    StatusCode.INTERNAL, node + " sent block checksums to a read it was to verify");
              }
              serverVerifies[index] = true;
              replicaShift[index]--;
              failed.add(index);
              continue;
            }
            bytes = payload.retainedSlice(start + result.getLeadingBytes(), result.getLength());
          } else {
            bytes = payload.retainedSlice(start, wire);
            if (Crc32c.of(bytes.nioBuffers()) != result.getChecksum()) {
              bytes.release();
              first =
                  first != null
                      ? first
                      : new StatusException(
                          StatusCode.CHECKSUM_MISMATCH,
                          "read from " + node + " was damaged in flight");
              failed.add(indices.get(i));
              continue;
            }
          }
          results[indices.get(i)] = bytes;
        }
      } catch (StatusException e) {
        // The call failed (or its answer did not add up): every read not yet handled goes again.
        failed.addAll(indices.subList(handled, indices.size()));
        first = first == null ? e : first;
      }
      return first;
    }
  }
}
