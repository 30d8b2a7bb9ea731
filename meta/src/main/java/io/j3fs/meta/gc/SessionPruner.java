package io.j3fs.meta.gc;

import io.j3fs.kv.RangeIterator;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.ops.PruneSessionOp;
import io.j3fs.meta.store.MetaKeys;
import io.j3fs.proto.meta.PruneSessionReq;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Ends the write sessions of clients that are gone: the clients holding file sessions are read from
 * the per-client session index, and each one mgmtd no longer lists among its live client sessions
 * has its sessions pruned (so files it removed while writing become collectable). A client's first
 * sessions may be younger than its mgmtd session's registration; the caller runs this only every
 * few minutes, and a client that holds file sessions must keep an mgmtd session.
 *
 * <p>Called from the server's background thread.
 */
public final class SessionPruner {
  /** Client-index keys read per pass, at most. */
  static final int SCAN_LIMIT = 10_000;

  private final MetaContext ctx;
  private final Supplier<Set<String>> liveClients;
  private final PruneSessionOp prune;

  /**
   * @param liveClients the client ids mgmtd holds sessions for (asked once per pass)
   */
  public SessionPruner(MetaContext ctx, Supplier<Set<String>> liveClients) {
    this.ctx = ctx;
    this.liveClients = liveClients;
    this.prune = new PruneSessionOp(ctx);
  }

  /** One pass; returns the sessions pruned. */
  public int runOnce() {
    Set<String> holders = holders();
    if (holders.isEmpty()) {
      return 0;
    }
    Set<String> live = liveClients.get();
    int pruned = 0;
    for (String client : holders) {
      if (!live.contains(client)) {
        pruned += prune.run(PruneSessionReq.newBuilder().setClientId(client).build()).getPruned();
      }
    }
    return pruned;
  }

  /** The distinct client ids in the session index (at most {@link #SCAN_LIMIT} keys read). */
  private Set<String> holders() {
    byte[] begin = MetaKeys.sessionsOfClientBegin();
    byte[] end = io.j3fs.common.bytes.ByteKeys.prefixEnd(begin);
    return ctx.kv()
        .read(
            tx -> {
              Set<String> out = new TreeSet<>();
              RangeIterator it = tx.getRange(begin, end, SCAN_LIMIT, false);
              while (it.hasNext()) {
                byte[] key = it.next().key();
                int from = begin.length;
                int to = from;
                while (to < key.length && key[to] != 0) {
                  to++;
                }
                out.add(new String(key, from, to - from, StandardCharsets.UTF_8));
              }
              return out;
            });
  }
}
