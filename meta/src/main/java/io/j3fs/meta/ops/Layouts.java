package io.j3fs.meta.ops;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.Layout;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * File layouts: a new file takes chunk size, stripe size and chain table from the request, else
 * from its directory, else from the service's settings, and gets {@code stripe} consecutive chains
 * of the table from a random start (so files spread evenly over the chains).
 */
final class Layouts {
  static final int MIN_CHUNK = 64 << 10;
  static final int MAX_CHUNK = 64 << 20;

  private Layouts() {}

  /** A directory's template: checked, without chains. */
  static Layout template(Layout requested) {
    if (requested.getChunkSize() != 0) {
      checkChunkSize(requested.getChunkSize());
    }
    if (requested.getStripeSize() > 1024) {
      throw StatusException.invalidArgument(
          "stripe_size must be at most 1024, got " + requested.getStripeSize());
    }
    return requested.toBuilder().clearChains().build();
  }

  static Layout forNewFile(MetaContext ctx, Layout dir, Layout requested) {
    int chunk =
        first(requested.getChunkSize(), dir.getChunkSize(), ctx.settings().chunkSizeBytes());
    int stripe = first(requested.getStripeSize(), dir.getStripeSize(), ctx.settings().stripeSize());
    int tableId = first(requested.getTableId(), dir.getTableId(), ctx.settings().chainTableId());
    checkChunkSize(chunk);
    RoutingInfo.ChainTable table = ctx.routing().get().chainTables().get(tableId);
    if (table == null || table.chains().isEmpty()) {
      throw new StatusException(
          StatusCode.UNAVAILABLE,
          "chain table " + tableId + " does not exist yet: create chains and the table first");
    }
    List<ChainId> chains = table.chains();
    stripe = Math.min(stripe, chains.size());
    int start = ThreadLocalRandom.current().nextInt(chains.size());
    Layout.Builder out =
        Layout.newBuilder()
            .setTableId(tableId)
            .setTableVersion(table.version())
            .setChunkSize(chunk)
            .setStripeSize(stripe);
    for (int i = 0; i < stripe; i++) {
      out.addChains((int) chains.get((start + i) % chains.size()).value());
    }
    return out.build();
  }

  /** The same chunk size, stripe and table, with chains picked afresh. */
  static Layout again(MetaContext ctx, Layout old) {
    return forNewFile(ctx, old, Layout.getDefaultInstance());
  }

  private static void checkChunkSize(int chunk) {
    if (Integer.bitCount(chunk) != 1 || chunk < MIN_CHUNK || chunk > MAX_CHUNK) {
      throw StatusException.invalidArgument(
          "chunk_size must be a power of two from 64 KiB to 64 MiB, got " + chunk);
    }
  }

  private static int first(int a, int b, int c) {
    return a != 0 ? a : b != 0 ? b : c;
  }
}
