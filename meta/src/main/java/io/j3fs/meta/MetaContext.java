package io.j3fs.meta;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.meta.gc.GcHint;
import io.j3fs.meta.store.InodeIdAllocator;
import java.util.function.Supplier;

/**
 * What every metadata operation works with: the KV store (all state), the clock, the inode id
 * allocator, the routing info (chain tables for new files' layouts, space for statfs) and storage
 * (file lengths, truncation, GC), and this instance's hint to its GC ({@link GcHint}). Shared by
 * all threads; holds no namespace state itself, which is what lets several instances serve one
 * store.
 */
public record MetaContext(
    KvEngine kv,
    Clock clock,
    InodeIdAllocator ids,
    MetaSettings settings,
    Supplier<RoutingInfo> routing,
    ChunkStorage storage,
    GcHint gcHint) {
  /** The same context over another view of the store. */
  public MetaContext withKv(KvEngine store) {
    return new MetaContext(store, clock, ids, settings, routing, storage, gcHint);
  }

  public long nowNs() {
    return clock.wallMillis() * 1_000_000L;
  }

  public long nowMs() {
    return clock.wallMillis();
  }
}
