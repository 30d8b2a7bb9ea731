package io.j3fs.meta.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.id.InodeId;
import io.j3fs.kv.ForwardingKvEngine;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.TxBody;
import io.j3fs.kv.TxOptions;
import io.j3fs.kv.memory.MemoryKvEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Ids are unique across threads and blocks; the count in hand is read without waiting for a block
 * being taken, and a caller never waits behind another's block commit.
 */
class InodeIdAllocatorTest {
  @Test
  void idsStayUniqueAcrossThreadsAndBlocks() throws Exception {
    try (MemoryKvEngine kv = new MemoryKvEngine();
        ExecutorService pool = Executors.newFixedThreadPool(8)) {
      InodeIdAllocator ids = new InodeIdAllocator(kv);
      List<Future<List<Long>>> taken = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        taken.add(
            pool.submit(
                () -> {
                  List<Long> mine = new ArrayList<>();
                  for (int i = 0; i < 3 * InodeIdAllocator.BLOCK_IDS; i++) {
                    mine.add(ids.next().value());
                    assertThat(ids.idsInHand()).isBetween(0L, (long) InodeIdAllocator.BLOCK_IDS);
                  }
                  return mine;
                }));
      }
      Set<Long> all = new HashSet<>();
      for (Future<List<Long>> f : taken) {
        for (long id : f.get(60, TimeUnit.SECONDS)) {
          assertThat(id).isGreaterThanOrEqualTo(InodeId.FIRST);
          assertThat(all.add(id)).as("id %d handed out twice", id).isTrue();
        }
      }
      assertThat(all).hasSize(8 * 3 * InodeIdAllocator.BLOCK_IDS);
    }
  }

  @Test
  void aBlockBeingTakenHoldsUpNeitherTheCountNorAnotherCaller() throws Exception {
    CountDownLatch firstCommitStarted = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    try (MemoryKvEngine store = new MemoryKvEngine();
        ExecutorService pool = Executors.newFixedThreadPool(2)) {
      KvEngine slowFirst =
          new ForwardingKvEngine(store) {
            private boolean first = true;

            @Override
            public <T> T run(TxOptions options, TxBody<T> body) {
              boolean wait;
              synchronized (this) {
                wait = first;
                first = false;
              }
              if (wait) {
                firstCommitStarted.countDown();
                try {
                  releaseFirst.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return super.run(options, body);
            }
          };
      InodeIdAllocator ids = new InodeIdAllocator(slowFirst);
      Future<InodeId> stuck = pool.submit(ids::next);
      assertThat(firstCommitStarted.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(ids.idsInHand()).isZero(); // read at once, though a block is being taken
      InodeId other = pool.submit(ids::next).get(10, TimeUnit.SECONDS);
      assertThat(stuck).as("the first caller still waits for its commit").isNotDone();
      releaseFirst.countDown();
      assertThat(stuck.get(10, TimeUnit.SECONDS)).isNotEqualTo(other);
    }
  }
}
