package io.j3fs.meta.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.meta.MetaFixture;
import io.j3fs.meta.ops.LookupOp;
import io.j3fs.proto.meta.LookupReq;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What the inline handlers read through: one attempt, a retriable failure thrown to the dispatcher
 * (which then hands the request to the ordinary handler), no writes, and the same answers.
 */
class OneAttemptReadsTest {
  @Test
  void aRetriableFailureIsThrownNotRetriedAndWritesAreRefused() {
    try (MemoryKvEngine store = new MemoryKvEngine()) {
      OneAttemptReads once = new OneAttemptReads(store);
      AtomicInteger attempts = new AtomicInteger();
      assertThatThrownBy(
              () ->
                  once.read(
                      tx -> {
                        attempts.incrementAndGet();
                        throw new StatusException(StatusCode.TRANSACTION_CONFLICT, "conflict");
                      }))
          .isInstanceOfSatisfying(
              StatusException.class,
              e -> assertThat(e.code()).isEqualTo(StatusCode.TRANSACTION_CONFLICT));
      assertThat(attempts).hasValue(1);

      attempts.set(0);
      int answer =
          store.read(
              tx -> {
                if (attempts.incrementAndGet() == 1) {
                  throw new StatusException(StatusCode.TRANSACTION_CONFLICT, "conflict");
                }
                return 7;
              });
      assertThat(answer).as("the store itself retries").isEqualTo(7);
      assertThat(attempts).hasValue(2);

      assertThatThrownBy(() -> once.run(tx -> null)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(once::begin).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> once.runOnceDeferred(tx -> null))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aLookupThroughItAnswersAsThroughTheStore() {
    try (MemoryKvEngine store = new MemoryKvEngine()) {
      MetaFixture m = new MetaFixture(store);
      m.mkdir("/d");
      long file = m.touch("/d/f").getId();
      LookupOp inline = new LookupOp(m.ctx.withKv(new OneAttemptReads(store)));
      long dir = m.lookup.run(lookup(0, "d")).getInode().getId();
      assertThat(inline.run(lookup(0, "d")).getInode().getId()).isEqualTo(dir);
      assertThat(inline.run(lookup(dir, "f")).getInode().getId()).isEqualTo(file);
      assertThatThrownBy(() -> inline.run(lookup(dir, "nothing")))
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND));
    }
  }

  private static LookupReq lookup(long parent, String name) {
    return LookupReq.newBuilder().setUser(MetaFixture.ROOT).setParent(parent).setName(name).build();
  }
}
