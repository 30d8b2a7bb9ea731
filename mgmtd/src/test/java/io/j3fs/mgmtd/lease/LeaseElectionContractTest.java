package io.j3fs.mgmtd.lease;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.id.NodeId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.ManualClock;
import io.j3fs.kv.KvEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three mgmtd electors sharing one KV engine, with time from a manual clock, so lease lengths of 60
 * s take no time. Runs on every engine (subclasses).
 */
abstract class LeaseElectionContractTest {
  private static final LeaseElection.Config CONFIG = LeaseElection.Config.DEFAULT;

  protected KvEngine engine;
  private final ManualClock clock = new ManualClock();
  private LeaseElection a;
  private LeaseElection b;
  private LeaseElection c;

  protected abstract KvEngine openEngine() throws Exception;

  protected void closeEngine(KvEngine engine) throws Exception {
    engine.close();
  }

  @BeforeEach
  void start() throws Exception {
    engine = openEngine();
    a = elector(1, "0.1.0");
    b = elector(2, "0.1.0");
    c = elector(3, "0.1.0");
  }

  @AfterEach
  void stop() throws Exception {
    closeEngine(engine);
  }

  private LeaseElection elector(long node, String release) {
    return new LeaseElection(
        engine, clock, NodeId.of(node), "127.0.0.1:" + (9000 + node), release, CONFIG);
  }

  @Test
  void exactlyOnePrimaryAndTheOthersKnowWhere() {
    assertThat(a.tryAcquireOrExtend())
        .isInstanceOfSatisfying(
            LeaseElection.Primary.class, p -> assertThat(p.newlyElected()).isTrue());
    for (LeaseElection other : List.of(b, c)) {
      assertThat(other.tryAcquireOrExtend())
          .isEqualTo(
              new LeaseElection.Follower(
                  NodeId.of(1), "127.0.0.1:9001", clock.wallMillis() + 60_000));
    }
    assertThat(a.routingVersion()).isEqualTo(1);
  }

  @Test
  void theHolderKeepsTheLeaseByExtendingIt() {
    LeaseElection.Primary first = (LeaseElection.Primary) a.tryAcquireOrExtend();
    for (int i = 0; i < 30; i++) {
      clock.advanceMillis(CONFIG.extendIntervalMs());
      LeaseElection.Outcome outcome = a.tryAcquireOrExtend();
      assertThat(outcome)
          .isInstanceOfSatisfying(
              LeaseElection.Primary.class,
              p -> {
                assertThat(p.epoch()).isEqualTo(first.epoch());
                assertThat(p.newlyElected()).isFalse();
              });
      assertThat(b.tryAcquireOrExtend()).isInstanceOf(LeaseElection.Follower.class);
    }
    assertThat(a.routingVersion()).isEqualTo(1);
  }

  @Test
  void whenThePrimaryStopsAnotherTakesOverWithinALeaseAndTheOldOneCannotWrite() {
    LeaseElection.Primary old = (LeaseElection.Primary) a.tryAcquireOrExtend();
    a.writeAsPrimary(
        old.epoch(),
        tx -> {
          tx.set("state".getBytes(UTF_8), "written by 1".getBytes(UTF_8));
          return null;
        });
    // Node 1 stops. Just before its lease ends nobody may take over; just after, one of the others
    // does.
    clock.advanceMillis(CONFIG.leaseLengthMs() - 1);
    assertThat(b.tryAcquireOrExtend()).isInstanceOf(LeaseElection.Follower.class);
    clock.advanceMillis(1);
    LeaseElection.Outcome takeover = b.tryAcquireOrExtend();
    assertThat(takeover)
        .isInstanceOfSatisfying(
            LeaseElection.Primary.class,
            p -> {
              assertThat(p.newlyElected()).isTrue();
              assertThat(p.epoch()).isEqualTo(old.epoch() + 1);
            });
    assertThat(c.tryAcquireOrExtend())
        .isInstanceOfSatisfying(
            LeaseElection.Follower.class, f -> assertThat(f.primary()).isEqualTo(NodeId.of(2)));
    assertThat(b.routingVersion()).as("a new primary bumps the routing version").isEqualTo(2);
    // The old primary comes back believing it is primary: its writes are refused, and it learns the
    // new primary.
    assertThatThrownBy(
            () ->
                a.writeAsPrimary(
                    old.epoch(),
                    tx -> {
                      tx.set("state".getBytes(UTF_8), "written by 1 again".getBytes(UTF_8));
                      return null;
                    }))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(StatusCode.NOT_PRIMARY);
              assertThat(e.getMessage()).contains("127.0.0.1:9002");
            });
    assertThat(a.tryAcquireOrExtend()).isInstanceOf(LeaseElection.Follower.class);
    String state = engine.read(tx -> new String(tx.get("state".getBytes(UTF_8)), UTF_8));
    assertThat(state).isEqualTo("written by 1");
  }

  @Test
  void anExpiredHolderCannotWriteEvenBeforeAnyoneTakesOver() {
    LeaseElection.Primary held = (LeaseElection.Primary) a.tryAcquireOrExtend();
    clock.advanceMillis(CONFIG.leaseLengthMs());
    assertThatThrownBy(() -> a.writeAsPrimary(held.epoch(), tx -> null))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.LEASE_LOST));
  }

  @Test
  void anOlderReleaseCannotTakeOverFromANewerOne() {
    LeaseElection newer = elector(4, "0.2.0");
    assertThat(newer.tryAcquireOrExtend()).isInstanceOf(LeaseElection.Primary.class);
    clock.advanceMillis(CONFIG.leaseLengthMs() + 1);
    assertThat(a.tryAcquireOrExtend()).isInstanceOf(LeaseElection.Follower.class);
    LeaseElection sameRelease = elector(5, "0.2.0");
    assertThat(sameRelease.tryAcquireOrExtend()).isInstanceOf(LeaseElection.Primary.class);
  }

  @Test
  void concurrentAttemptsElectOnePrimaryPerEpoch() throws Exception {
    for (int round = 0; round < 20; round++) {
      clock.advanceMillis(CONFIG.leaseLengthMs() + 1); // whoever held it has expired
      List<LeaseElection> electors = List.of(a, b, c);
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        List<Future<LeaseElection.Outcome>> attempts = new ArrayList<>();
        for (LeaseElection elector : electors) {
          attempts.add(pool.submit(elector::tryAcquireOrExtend));
        }
        int primaries = 0;
        for (Future<LeaseElection.Outcome> attempt : attempts) {
          if (attempt.get() instanceof LeaseElection.Primary primary && primary.newlyElected()) {
            primaries++;
          }
        }
        assertThat(primaries).as("round %d", round).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void releaseVersionsCompareNumerically() {
    assertThat(LeaseElection.compareReleases("0.10.0", "0.9.2")).isPositive();
    assertThat(LeaseElection.compareReleases("0.1.0-SNAPSHOT", "0.1.0")).isZero();
    assertThat(LeaseElection.compareReleases("1.0", "1.0.1")).isNegative();
  }
}
