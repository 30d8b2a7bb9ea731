package io.j3fs.mgmtd.ops;

import io.j3fs.mgmtd.state.Chain;
import io.j3fs.mgmtd.store.MgmtdStore;
import java.util.List;

/**
 * Applies the target state machine to every chain and stores the chains that changed with the new
 * routing version, in one lease-checked transaction. Used by the primary's periodic tick and by
 * operations that change local states (offline-target).
 */
public final class ChainUpdates {
  private ChainUpdates() {}

  /** Returns the chains that changed (each with its version bumped). */
  public static List<Chain> apply(PrimaryContext primary) {
    long versionBefore = primary.view().routingVersion();
    primary.view().checkHeartbeats();
    List<Chain> changed = primary.view().updateChains();
    long version = primary.view().routingVersion();
    if (!changed.isEmpty() || version != versionBefore) {
      primary.write(
          tx -> {
            changed.forEach(chain -> MgmtdStore.putChain(tx, chain));
            PrimaryContext.storeRoutingVersion(tx, version);
            return null;
          });
    }
    return changed;
  }
}
