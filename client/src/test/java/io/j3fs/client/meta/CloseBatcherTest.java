package io.j3fs.client.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.meta.BatchCloseRsp;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CloseRsp;
import io.j3fs.proto.meta.Inode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Closes that arrive while a call is in flight share the next batch; each caller gets its own
 * answer; a failed batch is sent again close by close; the queue and the batches stay bounded.
 */
class CloseBatcherTest {
  static CloseRsp answer(CloseReq req) {
    return CloseRsp.newBuilder().setInode(Inode.newBuilder().setId(req.getInodeId())).build();
  }

  @Test
  void concurrentClosesShareBatchesAndEachGetsItsOwnAnswer() throws Exception {
    long seed = new Random().nextLong();
    System.out.println("CloseBatcherTest seed " + seed);
    Random random = new Random(seed);
    List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger singles = new AtomicInteger();
    CountDownLatch firstCallStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CloseBatcher batcher =
        new CloseBatcher(
            req -> {
              batchSizes.add(req.getClosesCount());
              sleepMs(random.nextInt(3));
              BatchCloseRsp.Builder out = BatchCloseRsp.newBuilder();
              req.getClosesList().forEach(c -> out.addResults(answer(c)));
              return out.build();
            },
            req -> {
              if (singles.incrementAndGet() == 1) {
                firstCallStarted.countDown(); // the first close holds the call in flight
                await(release);
              }
              return answer(req);
            },
            16,
            1_000,
            0);
    int closes = 200;
    ConcurrentHashMap<Long, Long> answers = new ConcurrentHashMap<>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      done.add(pool.submit(() -> answers.put(1L, batcher.close(req(1)).getInode().getId())));
      firstCallStarted.await();
      for (long id = 2; id <= closes; id++) {
        long inode = id;
        done.add(
            pool.submit(() -> answers.put(inode, batcher.close(req(inode)).getInode().getId())));
      }
      Thread.sleep(200); // the rest queue up behind the call in flight
      release.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    }
    assertThat(answers).hasSize(closes);
    answers.forEach((inode, answered) -> assertThat(answered).isEqualTo(inode));
    int batched = batchSizes.stream().mapToInt(Integer::intValue).sum();
    assertThat(batched + singles.get() - 1).as("every close sent once").isEqualTo(closes - 1);
    assertThat(batchSizes).allSatisfy(n -> assertThat(n).isBetween(2, 16));
    assertThat(batchSizes.size()).as("far fewer calls than closes").isLessThan(closes / 4);
  }

  @Test
  void aFailedBatchIsSentAgainCloseByClose() throws Exception {
    List<Long> singles = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch firstCallStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CloseBatcher batcher =
        new CloseBatcher(
            req -> {
              throw new StatusException(StatusCode.NOT_FOUND, "one of them is gone");
            },
            req -> {
              singles.add(req.getInodeId());
              if (req.getInodeId() == 1) {
                firstCallStarted.countDown();
                await(release);
              }
              if (req.getInodeId() == 3) {
                throw new StatusException(StatusCode.NOT_FOUND, "inode 3 is gone");
              }
              return answer(req);
            },
            16,
            1_000,
            0);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<CloseRsp> first = pool.submit(() -> batcher.close(req(1)));
      firstCallStarted.await();
      Future<CloseRsp> second = pool.submit(() -> batcher.close(req(2)));
      Future<Throwable> third =
          pool.submit(
              () -> {
                try {
                  batcher.close(req(3));
                  return null;
                } catch (StatusException e) {
                  return e;
                }
              });
      Thread.sleep(100);
      release.countDown();
      assertThat(first.get().getInode().getId()).isEqualTo(1);
      assertThat(second.get().getInode().getId()).isEqualTo(2);
      assertThat(third.get()).isInstanceOf(StatusException.class).hasMessageContaining("inode 3");
    }
    assertThat(singles).containsExactlyInAnyOrder(1L, 2L, 3L);
  }

  @Test
  void aSingleCloseFailsAsItsCallDid() {
    CloseBatcher batcher =
        new CloseBatcher(
            req -> {
              throw new AssertionError("one close is sent alone");
            },
            req -> {
              throw new StatusException(StatusCode.PERMISSION_DENIED, "not yours");
            },
            16,
            1_000,
            0);
    assertThatThrownBy(() -> batcher.close(req(9)))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.PERMISSION_DENIED));
  }

  /**
   * closeLater returns before its close is sent, sends every close once (a failed one is answered
   * too, and logged), declines when the queue is full, and awaitIdle waits for all of them.
   */
  @Test
  void closesQueuedForLaterAreSentWithoutTheCallerWaiting() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch firstSent = new CountDownLatch(1);
    ConcurrentHashMap<Long, Integer> sent = new ConcurrentHashMap<>();
    CloseBatcher batcher =
        new CloseBatcher(
            req -> {
              await(release);
              BatchCloseRsp.Builder out = BatchCloseRsp.newBuilder();
              for (CloseReq c : req.getClosesList()) {
                if (c.getInodeId() == 3) {
                  throw new StatusException(StatusCode.UNAVAILABLE, "the batch failed");
                }
              }
              for (CloseReq c : req.getClosesList()) {
                sent.merge(c.getInodeId(), 1, Integer::sum);
                out.addResults(answer(c));
              }
              return out.build();
            },
            req -> {
              firstSent.countDown();
              await(release);
              sent.merge(req.getInodeId(), 1, Integer::sum);
              if (req.getInodeId() == 3) {
                throw new StatusException(StatusCode.NOT_FOUND, "gone");
              }
              return answer(req);
            },
            16,
            8,
            0);
    assertThat(batcher.closeLater(req(1))).isTrue();
    firstSent.await(); // alone in its call, which waits on the service
    for (long id = 2; id <= 8; id++) {
      assertThat(batcher.closeLater(req(id))).as("queued, not sent yet").isTrue();
    }
    assertThat(batcher.awaitIdle(100)).as("the sends wait on the service").isFalse();
    // seven queued behind the first: one more fills the queue
    assertThat(batcher.closeLater(req(9))).isTrue();
    assertThat(batcher.closeLater(req(10))).as("the queue is full").isFalse();
    release.countDown();
    assertThat(batcher.awaitIdle(10_000)).isTrue();
    assertThat(sent).hasSize(9);
    assertThat(sent.values()).allSatisfy(n -> assertThat(n).isEqualTo(1));
  }

  /**
   * A close for later waits for company before it is sent; a waiting close, a full batch, or
   * awaitIdle ends the wait at once (the linger here is 10 s, so any case that waited it out would
   * show in the elapsed time).
   */
  @Test
  void aLaterCloseWaitsForCompanyUntilSomeoneWaitsOrTheBatchIsFull() throws Exception {
    List<List<Long>> calls = Collections.synchronizedList(new ArrayList<>());
    CloseBatcher batcher = lingering(calls, () -> {});
    long start = System.nanoTime();
    assertThat(batcher.closeLater(req(1))).isTrue();
    assertThat(batcher.closeLater(req(2))).isTrue();
    Thread.sleep(50);
    assertThat(calls).as("the sender waits for more closes").isEmpty();
    assertThat(batcher.close(req(3)).getInode().getId()).isEqualTo(3);
    assertThat(calls).containsExactly(List.of(1L, 2L, 3L));

    awaitNotSending(batcher);
    for (long id = 4; id <= 7; id++) {
      assertThat(batcher.closeLater(req(id))).isTrue();
    }
    while (calls.size() < 2) {
      Thread.sleep(1);
    }
    assertThat(calls.get(1)).as("a full batch goes at once").containsExactly(4L, 5L, 6L, 7L);

    awaitNotSending(batcher);
    java.util.concurrent.atomic.AtomicInteger done =
        new java.util.concurrent.atomic.AtomicInteger();
    assertThat(batcher.closeLater(req(8), done::incrementAndGet)).isTrue();
    assertThat(batcher.awaitIdle(20_000)).isTrue();
    assertThat(done).as("told once it is answered").hasValue(1);
    assertThat(calls).hasSize(3);
    assertThat(calls.get(2)).containsExactly(8L);
    assertThat(System.nanoTime() - start)
        .as("no case waited out the linger")
        .isLessThan(CloseBatcher.MAX_LINGER_NANOS / 2);
  }

  /**
   * Closes for later that arrive while a batch is in flight wait for company too, rather than going
   * out in the sender's next round as whatever arrived meanwhile.
   */
  @Test
  void closesQueuedBehindACallStillWaitForCompany() throws Exception {
    List<List<Long>> calls = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch inFlight = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CloseBatcher batcher =
        lingering(
            calls,
            () -> {
              inFlight.countDown();
              await(release);
            });
    for (long id = 1; id <= 4; id++) {
      assertThat(batcher.closeLater(req(id))).isTrue();
    }
    inFlight.await(); // full: sent at once, and held in flight
    assertThat(batcher.closeLater(req(5))).isTrue();
    assertThat(batcher.closeLater(req(6))).isTrue();
    release.countDown();
    Thread.sleep(50);
    assertThat(calls).as("5 and 6 wait for company").containsExactly(List.of(1L, 2L, 3L, 4L));
    assertThat(batcher.awaitIdle(5_000)).isTrue();
    assertThat(calls).containsExactly(List.of(1L, 2L, 3L, 4L), List.of(5L, 6L));
  }

  /**
   * Batches of at most 4 that wait up to 10 s for company, recording each call's inode ids in
   * {@code calls}; a batch call runs {@code during} before it answers.
   */
  static CloseBatcher lingering(List<List<Long>> calls, Runnable during) {
    return new CloseBatcher(
        req -> {
          calls.add(req.getClosesList().stream().map(CloseReq::getInodeId).toList());
          during.run();
          BatchCloseRsp.Builder out = BatchCloseRsp.newBuilder();
          req.getClosesList().forEach(c -> out.addResults(answer(c)));
          return out.build();
        },
        req -> {
          calls.add(List.of(req.getInodeId()));
          return answer(req);
        },
        4,
        100,
        CloseBatcher.MAX_LINGER_NANOS);
  }

  static void awaitNotSending(CloseBatcher batcher) throws InterruptedException {
    while (batcher.sending()) {
      Thread.sleep(1);
    }
  }

  static CloseReq req(long inode) {
    return CloseReq.newBuilder().setInodeId(inode).setSessionId("s" + inode).build();
  }

  static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
