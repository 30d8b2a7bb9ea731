package io.j3fs.storage.ops;

import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.FilePayload;
import io.j3fs.net.Payloads;
import io.j3fs.net.RpcResponse;
import io.j3fs.proto.storage.BatchReadReq;
import io.j3fs.proto.storage.BatchReadRsp;
import io.j3fs.proto.storage.ReadIo;
import io.j3fs.proto.storage.ReadResult;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.chunk.DataStore;
import io.j3fs.storage.target.StorageTarget;
import io.j3fs.storage.target.TargetMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many chunk reads in one call, each with its own status: a read fails alone (not serving here,
 * stale chain version, not committed, checksum mismatch) and the client retries it elsewhere. The
 * bytes of the reads that succeeded travel as one payload, in request order, with no copy: the
 * engine's buffers, or, for reads the client verifies against the stored block checksums, ranges of
 * the data files sent with sendfile (the server then never touches the bytes).
 */
public final class BatchReadOp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchReadOp.class);

  /** Reads in one request, at most. */
  public static final int MAX_IOS = 4_096;

  /** Bytes in one answer, at most (the frame limit is larger). */
  public static final long MAX_BYTES = 256L << 20;

  /**
   * Groups (one target's reads of a call) read at once on this server with direct reads, at most.
   */
  static final int MAX_PARALLEL_READS = 64;

  private final TargetMap targets;
  private final Runnable staleRouting;
  private final boolean parallel;

  /**
   * Platform threads for direct reads, which block in the kernel (io_uring_enter, or pread without
   * io_uring) until the disk answers: a virtual thread there would pin its carrier and make the
   * scheduler start a compensating one. At most {@link #MAX_PARALLEL_READS}, and so is the queue
   * (the semaphore keeps it from filling).
   */
  private final ThreadPoolExecutor readers = platformPool("direct-read-");

  /**
   * Platform threads the calls themselves run on when reads are direct (see {@link #handlers()}): a
   * call then reads its last group on its own thread instead of handing it to a reader and waiting,
   * one thread hand-off fewer per call. A pool of its own, not {@link #readers}: calls wait for
   * their groups on readers, so sharing one pool could leave every thread waiting for a queued
   * group. At most {@link #MAX_PARALLEL_READS} threads and queued calls; beyond that the dispatcher
   * runs the call on a virtual thread.
   */
  private final ThreadPoolExecutor handlers = platformPool("batch-read-");

  private final Semaphore readSlots = new Semaphore(MAX_PARALLEL_READS);
  private final LongAdder calls = new LongAdder();
  private final LongAdder reads = new LongAdder();

  /**
   * @param parallel read each target's reads of a batch together, the targets at once (for direct
   *     reads, which wait for the disk); otherwise they run one after another on the handler's
   *     thread (page-cache reads, mostly sent with sendfile)
   */
  public BatchReadOp(TargetMap targets, Runnable staleRouting, boolean parallel) {
    this.targets = targets;
    this.staleRouting = staleRouting;
    this.parallel = parallel;
  }

  /**
   * {@link #MAX_PARALLEL_READS} platform threads at most, as many queued tasks, idle threads gone
   * after 30 s.
   */
  private static ThreadPoolExecutor platformPool(String namePrefix) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            MAX_PARALLEL_READS,
            MAX_PARALLEL_READS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(MAX_PARALLEL_READS),
            Thread.ofPlatform().name(namePrefix, 0).daemon(true).factory());
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Where the dispatcher should run calls: platform threads when reads are direct (they wait for
   * the disk in the kernel), else null (virtual threads: page-cache reads mostly go out with
   * sendfile from the event loop).
   */
  public Executor handlers() {
    return parallel ? handlers : null;
  }

  /**
   * One read's outcome: its result and, if it succeeded with bytes, its payload part (owned): a
   * ByteBuf or a FilePayload.
   */
  private record Outcome(ReadResult result, Object bytes) {}

  public RpcResponse run(BatchReadReq request) {
    if (request.getIosCount() > MAX_IOS) {
      throw StatusException.invalidArgument(
          "a batch read has at most " + MAX_IOS + " reads, got " + request.getIosCount());
    }
    long total = 0;
    for (ReadIo io : request.getIosList()) {
      total += io.getLength();
    }
    if (total > MAX_BYTES) {
      throw StatusException.invalidArgument(
          "a batch read returns at most " + MAX_BYTES + " bytes, asked for " + total);
    }
    calls.increment();
    reads.add(request.getIosCount());
    BatchReadRsp.Builder out = BatchReadRsp.newBuilder();
    Outcome[] outcomes = new Outcome[request.getIosCount()];
    List<Object> parts = new ArrayList<>(outcomes.length);
    try {
      if (parallel && outcomes.length > 1) {
        readInParallel(request, outcomes);
      } else {
        for (int i = 0; i < outcomes.length; i++) {
          outcomes[i] = readOne(request.getIos(i), request.getAllowUncommitted());
        }
      }
      for (int i = 0; i < outcomes.length; i++) {
        out.addResults(outcomes[i].result());
        if (outcomes[i].bytes() != null) {
          parts.add(outcomes[i].bytes());
        }
        outcomes[i] = null; // its bytes belong to the payload now
      }
      return RpcResponse.ofParts(out.build(), parts);
    } catch (RuntimeException e) {
      parts.forEach(Payloads::release);
      for (Outcome outcome : outcomes) {
        if (outcome != null && outcome.bytes() != null) {
          Payloads.release(outcome.bytes());
        }
      }
      throw e;
    }
  }

  /**
   * The reads of a batch grouped by target; each group's disk reads go to the disk together (one
   * io_uring submission on files with direct reads), and the groups run at once, on reader threads
   * (the last on this thread when it is a platform thread: a virtual thread would pin its carrier
   * while the kernel waits for the disk), at most {@link #MAX_PARALLEL_READS} on this server.
   */
  private void readInParallel(BatchReadReq request, Outcome[] outcomes) {
    Map<ChunkEngine, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < outcomes.length; i++) {
      try {
        groups
            .computeIfAbsent(readableTarget(request.getIos(i)).engine(), e -> new ArrayList<>())
            .add(i);
      } catch (StatusException e) {
        outcomes[i] = failed(e.code(), e.getMessage() == null ? "" : e.getMessage());
      }
    }
    List<Map.Entry<ChunkEngine, List<Integer>>> work = new ArrayList<>(groups.entrySet());
    CountDownLatch done = new CountDownLatch(work.size());
    int handedOff = Thread.currentThread().isVirtual() ? work.size() : work.size() - 1;
    try {
      for (int g = 0; g < work.size(); g++) {
        Map.Entry<ChunkEngine, List<Integer>> group = work.get(g);
        Runnable task =
            () -> {
              try {
                readGroup(group.getKey(), group.getValue(), request, outcomes);
              } catch (RuntimeException e) {
                log.error("batch read failed", e);
                for (int i : group.getValue()) {
                  outcomes[i] = failed(StatusCode.INTERNAL, "read failed on the server");
                }
              }
            };
        if (g >= handedOff) {
          try {
            task.run();
          } finally {
            done.countDown();
          }
          continue;
        }
        readSlots.acquire();
        try {
          readers.execute(
              () -> {
                try {
                  task.run();
                } finally {
                  readSlots.release();
                  done.countDown();
                }
              });
        } catch (RuntimeException rejected) {
          readSlots.release();
          done.countDown();
          for (int i : group.getValue()) {
            outcomes[i] = failed(StatusCode.UNAVAILABLE, "server is shutting down");
          }
        }
      }
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, "interrupted during a batch read");
    }
  }

  /** One target's reads of a batch, their disk reads together. */
  private static void readGroup(
      ChunkEngine engine, List<Integer> indices, BatchReadReq request, Outcome[] outcomes) {
    List<ChunkEngine.BatchItem> items = new ArrayList<>(indices.size());
    for (int i : indices) {
      ReadIo io = request.getIos(i);
      items.add(
          new ChunkEngine.BatchItem(
              chunkOf(io), io.getOffset(), io.getLength(), io.getClientVerifies()));
    }
    List<Object> results = engine.readBatch(items, request.getAllowUncommitted());
    for (int k = 0; k < indices.size(); k++) {
      outcomes[indices.get(k)] =
          switch (results.get(k)) {
            case ChunkEngine.Read read -> plain(read);
            case ChunkEngine.BlockRead read -> blocks(read);
            case StatusException e ->
                failed(e.code(), e.getMessage() == null ? "" : e.getMessage());
            default -> throw new IllegalStateException("unexpected read outcome " + results.get(k));
          };
    }
  }

  @Override
  public void close() {
    handlers.shutdownNow();
    readers.shutdownNow();
  }

  private static Outcome failed(StatusCode code, String message) {
    return new Outcome(
        ReadResult.newBuilder().setStatus(code.number()).setMessage(message).build(), null);
  }

  /** BatchRead calls answered so far. */
  public long calls() {
    return calls.sum();
  }

  /** Reads carried by those calls. */
  public long reads() {
    return reads.sum();
  }

  /** The target serving {@code io}'s chain here, if it may serve reads at that chain version. */
  private StorageTarget readableTarget(ReadIo io) {
    StorageTarget target = targets.byChain(ChainId.of(io.getChainId()));
    target.chainAt(io.getChainVersion(), staleRouting);
    if (!target.readable()) {
      throw new StatusException(
          StatusCode.TARGET_NOT_SERVING,
          "target "
              + target.id()
              + " is "
              + target.publicState()
              + (target.inSync() ? "" : ", not in sync"));
    }
    return target;
  }

  private static ChunkId chunkOf(ReadIo io) {
    if (io.getChunkId().size() != ChunkId.BYTES) {
      throw StatusException.invalidArgument("chunk_id must be " + ChunkId.BYTES + " bytes");
    }
    return ChunkId.fromBytes(io.getChunkId().toByteArray());
  }

  private Outcome readOne(ReadIo io, boolean allowUncommitted) {
    try {
      ChunkId chunk = chunkOf(io);
      ChunkEngine engine = readableTarget(io).engine();
      if (engine.clientChecks(io.getClientVerifies())) {
        return blocks(engine.readBlocks(chunk, io.getOffset(), io.getLength(), allowUncommitted));
      }
      return plain(engine.read(chunk, io.getOffset(), io.getLength(), allowUncommitted));
    } catch (StatusException e) {
      return failed(e.code(), e.getMessage() == null ? "" : e.getMessage());
    }
  }

  /** A read this server verified (or, configured so, did not): its bytes and their CRC32C. */
  private static Outcome plain(ChunkEngine.Read read) {
    return new Outcome(
        ReadResult.newBuilder()
            .setLength(read.bytes().readableBytes())
            .setChecksum(read.checksum())
            .setCommitVersion(read.meta() == null ? 0 : read.meta().commitVersion())
            .build(),
        read.bytes());
  }

  /** A read for the client to verify: whole blocks, their stored checksums, from file or buffer. */
  private static Outcome blocks(ChunkEngine.BlockRead read) {
    ReadResult.Builder result =
        ReadResult.newBuilder()
            .setLength(read.end() - read.start() - read.leading() - read.trailing())
            .setLeadingBytes(read.leading())
            .setTrailingBytes(read.trailing())
            .setCommitVersion(read.meta() == null ? 0 : read.meta().commitVersion());
    for (int checksum : read.checksums()) {
      result.addBlockChecksums(checksum);
    }
    Object bytes = read.bytes();
    if (read.region() != null) {
      DataStore.Region region = read.region();
      bytes = new FilePayload(region.channel(), region.position(), region.count(), read.release());
    }
    return new Outcome(result.build(), bytes);
  }
}
