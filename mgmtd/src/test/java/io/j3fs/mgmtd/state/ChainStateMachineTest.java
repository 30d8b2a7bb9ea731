package io.j3fs.mgmtd.state;

import static io.j3fs.common.cluster.LocalState.OFFLINE;
import static io.j3fs.common.cluster.LocalState.ONLINE;
import static io.j3fs.common.cluster.LocalState.UP_TO_DATE;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.TargetId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of 3FS's transition table, each as a small chain in which target 2 is the subject:
 * target 1 before it sets up the "predecessor" condition. Then seeded random chains for the
 * invariants.
 */
class ChainStateMachineTest {
  private static final PublicState SERVING = PublicState.SERVING;
  private static final PublicState SYNCING = PublicState.SYNCING;
  private static final PublicState WAITING = PublicState.WAITING;
  private static final PublicState LASTSRV = PublicState.LASTSRV;
  private static final PublicState OFF = PublicState.OFFLINE;

  /** How the subject's predecessor (target 1) looks in a row. */
  private enum Predecessor {
    /** A serving, up-to-date target precedes the subject. */
    SERVING_PREDECESSOR,
    /** The only other target is offline, so nothing serves ahead of the subject. */
    NOT_SERVING,
    /** The subject is alone in its chain. */
    NONE
  }

  static Stream<Arguments> transitionTable() {
    return Stream.of(
        row(UP_TO_DATE, SERVING, Predecessor.SERVING_PREDECESSOR, SERVING),
        row(UP_TO_DATE, SYNCING, Predecessor.SERVING_PREDECESSOR, SERVING),
        row(UP_TO_DATE, WAITING, Predecessor.SERVING_PREDECESSOR, WAITING),
        row(UP_TO_DATE, LASTSRV, Predecessor.NOT_SERVING, SERVING),
        row(UP_TO_DATE, OFF, Predecessor.SERVING_PREDECESSOR, WAITING),
        row(ONLINE, SERVING, Predecessor.SERVING_PREDECESSOR, SERVING),
        row(ONLINE, SYNCING, Predecessor.SERVING_PREDECESSOR, SYNCING),
        row(ONLINE, SYNCING, Predecessor.NOT_SERVING, WAITING),
        row(ONLINE, WAITING, Predecessor.SERVING_PREDECESSOR, SYNCING),
        row(ONLINE, WAITING, Predecessor.NOT_SERVING, WAITING),
        row(ONLINE, LASTSRV, Predecessor.NOT_SERVING, SERVING),
        row(ONLINE, OFF, Predecessor.SERVING_PREDECESSOR, WAITING),
        row(OFFLINE, SERVING, Predecessor.NONE, LASTSRV),
        row(OFFLINE, SERVING, Predecessor.SERVING_PREDECESSOR, OFF),
        row(OFFLINE, SYNCING, Predecessor.SERVING_PREDECESSOR, OFF),
        row(OFFLINE, WAITING, Predecessor.SERVING_PREDECESSOR, OFF),
        row(OFFLINE, LASTSRV, Predecessor.NOT_SERVING, LASTSRV),
        row(OFFLINE, OFF, Predecessor.SERVING_PREDECESSOR, OFF));
  }

  private static Arguments row(
      LocalState local, PublicState current, Predecessor predecessor, PublicState expected) {
    return Arguments.of(local, current, predecessor, expected);
  }

  @ParameterizedTest(name = "{0} + {1} with {2} -> {3}")
  @MethodSource("transitionTable")
  void everyRowOfTheTransitionTable(
      LocalState local, PublicState current, Predecessor predecessor, PublicState expected) {
    List<ChainTarget> targets = new ArrayList<>();
    Map<TargetId, LocalState> locals = new HashMap<>();
    switch (predecessor) {
      case SERVING_PREDECESSOR -> {
        targets.add(ChainTarget.of(1, SERVING));
        locals.put(TargetId.of(1), UP_TO_DATE);
      }
      case NOT_SERVING -> {
        targets.add(ChainTarget.of(1, OFF));
        locals.put(TargetId.of(1), OFFLINE);
      }
      case NONE -> {}
    }
    targets.add(ChainTarget.of(2, current));
    locals.put(TargetId.of(2), local);
    Chain before = new Chain(ChainId.of(7), 3, targets);

    Chain after = ChainStateMachine.next(before, locals::get);

    assertThat(stateOf(after, 2)).isEqualTo(expected);
    boolean changed = !after.targets().equals(before.targets());
    assertThat(after.version()).isEqualTo(changed ? 4 : 3);
  }

  private static PublicState stateOf(Chain chain, long target) {
    return chain.targets().stream()
        .filter(t -> t.target().value() == target)
        .findFirst()
        .orElseThrow()
        .state();
  }

  @Test
  void anOfflineTargetMovesToTheEndAndTheVersionBumps() {
    Chain chain =
        new Chain(
            ChainId.of(1),
            5,
            List.of(
                ChainTarget.of(1, SERVING),
                ChainTarget.of(2, SERVING),
                ChainTarget.of(3, SERVING)));
    Map<TargetId, LocalState> locals =
        Map.of(TargetId.of(1), OFFLINE, TargetId.of(2), UP_TO_DATE, TargetId.of(3), UP_TO_DATE);
    Chain next = ChainStateMachine.next(chain, locals::get);
    assertThat(next.targets())
        .containsExactly(
            ChainTarget.of(2, SERVING), ChainTarget.of(3, SERVING), ChainTarget.of(1, OFF));
    assertThat(next.version()).isEqualTo(6);
    assertThat(ChainStateMachine.next(next, locals::get)).isSameAs(next);
  }

  @Test
  void whenEveryServingTargetFailsOnlyTheFirstBecomesLastServing() {
    Chain chain =
        new Chain(
            ChainId.of(1),
            1,
            List.of(
                ChainTarget.of(1, SERVING),
                ChainTarget.of(2, SERVING),
                ChainTarget.of(3, WAITING)));
    Chain next = ChainStateMachine.next(chain, t -> t.value() == 3 ? ONLINE : OFFLINE);
    assertThat(next.targets())
        .containsExactly(
            ChainTarget.of(1, LASTSRV), ChainTarget.of(3, WAITING), ChainTarget.of(2, OFF));
  }

  @Test
  void theLastServingTargetIsOneWhoseDataIsNotBehind() {
    Chain chain =
        new Chain(
            ChainId.of(1),
            1,
            List.of(
                ChainTarget.of(1, SERVING),
                ChainTarget.of(2, SERVING),
                ChainTarget.of(3, WAITING)));
    // Target 1 was recreated empty (behind) and drops out as target 2 fails: 2 holds the data.
    Chain next =
        ChainStateMachine.next(chain, t -> t.value() == 3 ? ONLINE : OFFLINE, t -> t.value() == 1);
    assertThat(next.targets())
        .containsExactly(
            ChainTarget.of(2, LASTSRV), ChainTarget.of(3, WAITING), ChainTarget.of(1, OFF));
    // If all are behind, the first one is chosen, as in 3FS.
    assertThat(
            ChainStateMachine.next(chain, t -> t.value() == 3 ? ONLINE : OFFLINE, t -> true)
                .targets()
                .getFirst())
        .isEqualTo(ChainTarget.of(1, LASTSRV));
  }

  @Test
  void onlyOneTargetSyncsAtATimeAndItQueuesBehindTheServingOnes() {
    Chain chain =
        new Chain(
            ChainId.of(1),
            1,
            List.of(
                ChainTarget.of(1, SERVING),
                ChainTarget.of(2, OFF),
                ChainTarget.of(3, OFF),
                ChainTarget.of(4, WAITING)));
    Map<TargetId, LocalState> locals =
        Map.of(
            TargetId.of(1),
            UP_TO_DATE,
            TargetId.of(2),
            ONLINE,
            TargetId.of(3),
            ONLINE,
            TargetId.of(4),
            ONLINE);
    Chain step1 = ChainStateMachine.next(chain, locals::get);
    // Target 4 was already waiting: it syncs first; the returning 2 and 3 wait.
    assertThat(step1.targets())
        .containsExactly(
            ChainTarget.of(1, SERVING),
            ChainTarget.of(4, SYNCING),
            ChainTarget.of(2, WAITING),
            ChainTarget.of(3, WAITING));
    Map<TargetId, LocalState> synced = new HashMap<>(locals);
    synced.put(TargetId.of(4), UP_TO_DATE);
    Chain step2 = ChainStateMachine.next(step1, synced::get);
    assertThat(step2.targets())
        .containsExactly(
            ChainTarget.of(1, SERVING),
            ChainTarget.of(4, SERVING),
            ChainTarget.of(2, SYNCING),
            ChainTarget.of(3, WAITING));
    assertThat(step2.version()).isEqualTo(step1.version() + 1);
  }

  @Test
  void randomChainsKeepTheInvariants() {
    long seed = System.nanoTime();
    System.out.println("randomChainsKeepTheInvariants seed=" + seed);
    Random random = new Random(seed);
    for (int round = 0; round < 20_000; round++) {
      int size = 1 + random.nextInt(5);
      List<ChainTarget> targets = new ArrayList<>();
      Map<TargetId, LocalState> locals = new HashMap<>();
      for (int t = 1; t <= size; t++) {
        targets.add(ChainTarget.of(t, PublicState.values()[random.nextInt(5)]));
        locals.put(TargetId.of(t), LocalState.values()[random.nextInt(3)]);
      }
      Chain before = new Chain(ChainId.of(1), 1 + random.nextInt(100), targets);
      Chain after = ChainStateMachine.next(before, locals::get);
      String context =
          "seed " + seed + " round " + round + ": " + before + " with " + locals + " -> " + after;
      assertThat(after.targets().stream().filter(t -> t.state() == SYNCING).count())
          .as(context)
          .isLessThanOrEqualTo(1);
      assertThat(
              after.targets().stream()
                  .filter(t -> t.state() == LASTSRV && locals.get(t.target()) != OFFLINE))
          .as(context)
          .isEmpty();
      for (int i = 1; i < after.targets().size(); i++) {
        assertThat(after.targets().get(i - 1).state().ordinal())
            .as(context)
            .isLessThanOrEqualTo(after.targets().get(i).state().ordinal());
      }
      for (ChainTarget target : after.targets()) {
        if (locals.get(target.target()) == OFFLINE) {
          assertThat(target.state()).as(context).isIn(OFF, LASTSRV);
        }
        if (target.state() == SERVING) {
          assertThat(locals.get(target.target())).as(context).isNotEqualTo(OFFLINE);
        }
      }
      boolean syncing = after.targets().stream().anyMatch(t -> t.state() == SYNCING);
      boolean serving = after.targets().stream().anyMatch(t -> t.state() == SERVING);
      assertThat(!syncing || serving)
          .as("a syncing target needs a serving one: " + context)
          .isTrue();
      assertThat(after.version())
          .as(context)
          .isEqualTo(
              after.targets().equals(before.targets()) ? before.version() : before.version() + 1);
      assertThat(after.targets())
          .extracting(ChainTarget::target)
          .containsExactlyInAnyOrderElementsOf(
              before.targets().stream().map(ChainTarget::target).toList());
    }
  }
}
