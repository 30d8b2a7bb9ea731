package io.j3fs.mgmtd.state;

import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.TargetId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * The target state machine of 3FS, as a pure function: given a chain and the local state of each of
 * its targets, the chain that follows. The cluster manager applies it to every chain periodically
 * and whenever a heartbeat changes a local state.
 *
 * <p>Each target's next public state comes from the transition table of 3FS's design notes:
 *
 * <pre>
 * local        current   predecessor        next
 * up-to-date   serving   any                serving
 *              syncing   any                serving
 *              waiting   any                waiting
 *              lastsrv   any                serving
 *              offline   any                waiting
 * online       serving   any                serving
 *              syncing   serving            syncing
 *                        not serving        waiting
 *              waiting   serving            syncing
 *                        not serving        waiting
 *              lastsrv   any                serving
 *              offline   any                waiting
 * offline      serving   no predecessor     lastsrv
 *                        has predecessor    offline
 *              syncing   any                offline
 *              waiting   any                offline
 *              lastsrv   any                lastsrv
 *              offline   any                offline
 * </pre>
 *
 * with the refinements of 3FS's implementation ({@code generateNewChain}):
 *
 * <ul>
 *   <li>"Predecessor is serving" for a syncing or waiting target means: the chain has a serving
 *       target (after this update) and no other target is syncing. So at most one target of a chain
 *       syncs at a time, and it syncs from the last serving target, which precedes it once the
 *       chain is reordered.
 *   <li>"No predecessor" for a serving target that goes offline means no target is left serving:
 *       then the first such target in chain order becomes lastsrv (it holds the newest data), and
 *       any others go offline.
 *   <li>The new chain is ordered serving, lastsrv, syncing, waiting, offline, keeping the previous
 *       relative order within each state (so an offline target moves to the end).
 *   <li>The version is incremented if and only if the order or any state changed.
 * </ul>
 */
public final class ChainStateMachine {
  private ChainStateMachine() {}

  public static Chain next(Chain chain, Function<TargetId, LocalState> localStates) {
    return next(chain, localStates, target -> false);
  }

  /**
   * As {@link #next(Chain, Function)}, with one j3fs refinement (docs/decisions/0005): when every
   * serving target goes offline at once, the last-serving one is the first in chain order whose
   * service did not report it {@code behind} (its data possibly stale); only if all are behind is
   * it the first, as in 3FS.
   */
  public static Chain next(
      Chain chain,
      Function<TargetId, LocalState> localStates,
      java.util.function.Predicate<TargetId> behind) {
    List<ChainTarget> current = chain.targets();
    PublicState[] next = new PublicState[current.size()];
    // First the states that do not depend on the rest of the chain.
    for (int i = 0; i < current.size(); i++) {
      ChainTarget target = current.get(i);
      LocalState local = localStates.apply(target.target());
      next[i] =
          switch (local) {
            case UP_TO_DATE ->
                switch (target.state()) {
                  case SERVING, SYNCING, LASTSRV -> PublicState.SERVING;
                  case WAITING, OFFLINE -> PublicState.WAITING;
                };
            case ONLINE ->
                switch (target.state()) {
                  case SERVING, LASTSRV -> PublicState.SERVING;
                  case SYNCING, WAITING -> null; // depends on the predecessor: decided below
                  case OFFLINE -> PublicState.WAITING;
                };
            case OFFLINE ->
                switch (target.state()) {
                  case SERVING -> null; // lastsrv or offline: decided below
                  case SYNCING, WAITING, OFFLINE -> PublicState.OFFLINE;
                  case LASTSRV -> PublicState.LASTSRV;
                };
          };
    }
    boolean anyServing = false;
    for (PublicState state : next) {
      anyServing |= state == PublicState.SERVING;
    }
    // A serving target that went down: the first one becomes lastsrv if nothing else still serves,
    // preferring one whose data is not reported behind.
    int chosen = -1;
    if (!anyServing && !hasLastServing(next)) {
      for (int pass = 0; pass < 2 && chosen < 0; pass++) {
        for (int i = 0; i < current.size(); i++) {
          if (next[i] == null
              && current.get(i).state() == PublicState.SERVING
              && (pass == 1 || !behind.test(current.get(i).target()))) {
            chosen = i;
            break;
          }
        }
      }
    }
    for (int i = 0; i < current.size(); i++) {
      if (next[i] == null && current.get(i).state() == PublicState.SERVING) {
        if (i == chosen) {
          next[i] = PublicState.LASTSRV;
        } else {
          next[i] = PublicState.OFFLINE;
        }
      }
    }
    // Online targets waiting or syncing: one at a time may sync, and only from a serving
    // predecessor. A target that
    // is already syncing keeps its place ahead of one that is only waiting.
    boolean syncingAssigned = false;
    for (PublicState wantedFirst : new PublicState[] {PublicState.SYNCING, PublicState.WAITING}) {
      for (int i = 0; i < current.size(); i++) {
        if (next[i] == null && current.get(i).state() == wantedFirst) {
          if (anyServing && !syncingAssigned) {
            next[i] = PublicState.SYNCING;
            syncingAssigned = true;
          } else {
            next[i] = PublicState.WAITING;
          }
        }
      }
    }
    List<ChainTarget> reordered = new ArrayList<>(current.size());
    for (int i = 0; i < current.size(); i++) {
      reordered.add(new ChainTarget(current.get(i).target(), next[i]));
    }
    reordered.sort(Comparator.comparingInt(t -> t.state().ordinal())); // stable
    if (reordered.equals(current)) {
      return chain;
    }
    return new Chain(chain.id(), chain.version() + 1, reordered);
  }

  private static boolean hasLastServing(PublicState[] states) {
    for (PublicState state : states) {
      if (state == PublicState.LASTSRV) {
        return true;
      }
    }
    return false;
  }
}
