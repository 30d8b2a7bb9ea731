package io.j3fs.meta.service;

import com.google.protobuf.Message;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.mgmtd.ServiceAgent;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.meta.ChunkStorage;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.MetaSettings;
import io.j3fs.meta.gc.GcHint;
import io.j3fs.meta.gc.GcWorker;
import io.j3fs.meta.gc.SessionPruner;
import io.j3fs.meta.ops.AcquireDirLeaseOp;
import io.j3fs.meta.ops.BatchCloseOp;
import io.j3fs.meta.ops.BatchCreateOp;
import io.j3fs.meta.ops.BatchRemoveOp;
import io.j3fs.meta.ops.BatchStatOp;
import io.j3fs.meta.ops.CloseOp;
import io.j3fs.meta.ops.CreateOp;
import io.j3fs.meta.ops.GetRealPathOp;
import io.j3fs.meta.ops.GetXattrOp;
import io.j3fs.meta.ops.HardLinkOp;
import io.j3fs.meta.ops.ListOp;
import io.j3fs.meta.ops.ListXattrOp;
import io.j3fs.meta.ops.LookupOp;
import io.j3fs.meta.ops.MetaOp;
import io.j3fs.meta.ops.MkdirsOp;
import io.j3fs.meta.ops.OpenOp;
import io.j3fs.meta.ops.PruneSessionOp;
import io.j3fs.meta.ops.ReadLinkOp;
import io.j3fs.meta.ops.ReleaseDirLeaseOp;
import io.j3fs.meta.ops.RemoveOp;
import io.j3fs.meta.ops.RemoveXattrOp;
import io.j3fs.meta.ops.RenameOp;
import io.j3fs.meta.ops.SetAttrOp;
import io.j3fs.meta.ops.SetLayoutOp;
import io.j3fs.meta.ops.SetXattrOp;
import io.j3fs.meta.ops.StatFsOp;
import io.j3fs.meta.ops.StatOp;
import io.j3fs.meta.ops.SymlinkOp;
import io.j3fs.meta.ops.SyncOp;
import io.j3fs.meta.ops.TruncateOp;
import io.j3fs.meta.store.InodeIdAllocator;
import io.j3fs.meta.store.RootInode;
import io.j3fs.net.Dispatcher;
import io.j3fs.proto.meta.AcquireDirLeaseReq;
import io.j3fs.proto.meta.BatchCloseReq;
import io.j3fs.proto.meta.BatchCreateReq;
import io.j3fs.proto.meta.BatchRemoveReq;
import io.j3fs.proto.meta.BatchStatReq;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.GetRealPathReq;
import io.j3fs.proto.meta.GetXattrReq;
import io.j3fs.proto.meta.HardLinkReq;
import io.j3fs.proto.meta.ListReq;
import io.j3fs.proto.meta.ListXattrReq;
import io.j3fs.proto.meta.LookupReq;
import io.j3fs.proto.meta.MkdirsReq;
import io.j3fs.proto.meta.OpenReq;
import io.j3fs.proto.meta.PruneSessionReq;
import io.j3fs.proto.meta.ReadLinkReq;
import io.j3fs.proto.meta.ReleaseDirLeaseReq;
import io.j3fs.proto.meta.RemoveReq;
import io.j3fs.proto.meta.RemoveXattrReq;
import io.j3fs.proto.meta.RenameReq;
import io.j3fs.proto.meta.SetAttrReq;
import io.j3fs.proto.meta.SetLayoutReq;
import io.j3fs.proto.meta.SetXattrReq;
import io.j3fs.proto.meta.StatFsReq;
import io.j3fs.proto.meta.StatReq;
import io.j3fs.proto.meta.SymlinkReq;
import io.j3fs.proto.meta.SyncReq;
import io.j3fs.proto.meta.TruncateReq;
import io.j3fs.proto.mgmtd.ClientSessionInfo;
import io.j3fs.proto.mgmtd.ListClientSessionsReq;
import io.j3fs.proto.mgmtd.ListClientSessionsRsp;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One metadata server: the operations over a KV store, the GC on a background thread, and (with
 * mgmtd) registration, heartbeats and routing info. Stateless beyond caches: every answer comes
 * from one transaction, so any number of servers may share a store that allows it (PostgreSQL).
 */
public final class MetaServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetaServer.class);

  /** Longest a GC round runs back to back before the thread pauses for the GC interval. */
  static final long GC_ROUND_MS = 1_000;

  /** A batch stat of at most this many inodes is answered on the event loop (embedded stores). */
  static final int INLINE_STATS = 16;

  /**
   * BatchClose of at most this many closes, and BatchRemove of at most this many unlinks, run
   * inline (a mount's batches hold at most 64): one event-loop turn stays short however many the
   * service would take.
   */
  static final int INLINE_CLOSES = 64;

  /**
   * @param gcIntervalMs pause between GC passes
   * @param gcBatch queued inodes one pass takes
   * @param sessionPruneIntervalMs how often write sessions of clients mgmtd no longer knows are
   *     ended (3FS: 5 min)
   */
  public record Config(
      NodeId nodeId,
      String address,
      MetaSettings settings,
      long gcIntervalMs,
      int gcBatch,
      long heartbeatIntervalMs,
      long sessionPruneIntervalMs) {}

  private final Config config;
  private final MetaContext ctx;
  private final GcWorker gc;
  private final ServiceAgent agent;
  private final MgmtdClient mgmtd;
  private final SessionPruner sessions;
  private final ScheduledExecutorService background =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("meta-gc").daemon().factory());

  public MetaServer(
      Config config, KvEngine kv, Clock clock, MgmtdClient mgmtd, ChunkStorage storage) {
    this(config, kv, clock, mgmtd, mgmtd::routing, storage);
  }

  /**
   * @param mgmtd null to run without a cluster manager (benchmarks, tests), with {@code routing}
   *     standing in for its routing info
   */
  public MetaServer(
      Config config,
      KvEngine kv,
      Clock clock,
      MgmtdClient mgmtd,
      java.util.function.Supplier<io.j3fs.client.routing.RoutingInfo> routing,
      ChunkStorage storage) {
    this.config = config;
    this.ctx =
        new MetaContext(
            kv, clock, new InodeIdAllocator(kv), config.settings(), routing, storage, new GcHint());
    RootInode.ensure(kv, clock);
    this.gc = new GcWorker(ctx);
    this.mgmtd = mgmtd;
    this.sessions = new SessionPruner(ctx, this::liveClients);
    this.agent =
        mgmtd == null
            ? null
            : new ServiceAgent(
                mgmtd,
                new ServiceAgent.Config(
                    config.nodeId(),
                    NodeType.META,
                    config.address(),
                    List.of(),
                    config.heartbeatIntervalMs(),
                    config.heartbeatIntervalMs()),
                List::of,
                update -> log.info("meta config version {} received", update.version()));
  }

  public MetaContext context() {
    return ctx;
  }

  public GcWorker gc() {
    return gc;
  }

  public void register(Dispatcher d) {
    MetaService.bind(d, "StatFs", StatFsReq.class, new StatFsOp(ctx));
    // With an embedded store, point reads and store-only mutations run on the event loop that read
    // them (see the helpers below); a store across the network keeps them off it.
    OneAttemptReads reads = new OneAttemptReads(ctx.kv());
    read(d, reads, "Stat", StatReq.class, StatOp::new, q -> true);
    read(
        d,
        reads,
        "BatchStat",
        BatchStatReq.class,
        BatchStatOp::new,
        q -> q.getInodeIdsCount() <= INLINE_STATS);
    read(d, reads, "Lookup", LookupReq.class, LookupOp::new, q -> true);
    read(d, reads, "Open", OpenReq.class, OpenOp::new, q -> OpenOp.readOnly(q.getFlags()));
    registerMutations(d);
    MetaService.bind(d, "ReadLink", ReadLinkReq.class, new ReadLinkOp(ctx));
    MetaService.bind(d, "List", ListReq.class, new ListOp(ctx));
    MetaService.bind(d, "SetAttr", SetAttrReq.class, new SetAttrOp(ctx));
    MetaService.bind(d, "Truncate", TruncateReq.class, new TruncateOp(ctx));
    MetaService.bind(d, "GetRealPath", GetRealPathReq.class, new GetRealPathOp(ctx));
    MetaService.bind(d, "GetXattr", GetXattrReq.class, new GetXattrOp(ctx));
    MetaService.bind(d, "SetXattr", SetXattrReq.class, new SetXattrOp(ctx));
    MetaService.bind(d, "ListXattr", ListXattrReq.class, new ListXattrOp(ctx));
    MetaService.bind(d, "RemoveXattr", RemoveXattrReq.class, new RemoveXattrOp(ctx));
    MetaService.bind(d, "SetLayout", SetLayoutReq.class, new SetLayoutOp(ctx));
    MetaService.bind(d, "PruneSession", PruneSessionReq.class, new PruneSessionOp(ctx));
    MetaService.bind(d, "AcquireDirLease", AcquireDirLeaseReq.class, new AcquireDirLeaseOp(ctx));
    MetaService.bind(d, "ReleaseDirLease", ReleaseDirLeaseReq.class, new ReleaseDirLeaseOp(ctx));
  }

  /**
   * Point reads of an embedded store are answered on the event loop, reading through {@link
   * OneAttemptReads}: two thread hand-offs fewer per call (see Dispatcher). Otherwise, and for what
   * {@code inline} refuses, on a virtual thread.
   */
  private <Q extends Message, R extends Message> void read(
      Dispatcher d,
      OneAttemptReads reads,
      String method,
      Class<Q> type,
      Function<MetaContext, MetaOp<Q, R>> op,
      Predicate<Q> inline) {
    if (ctx.kv().localReads()) {
      MetaService.bindInline(d, method, type, op.apply(ctx.withKv(reads)), op.apply(ctx), inline);
    } else {
      MetaService.bind(d, method, type, op.apply(ctx));
    }
  }

  /**
   * Mutations of an embedded store that need nothing else (no storage call) run on the event loop
   * that read them and are answered once their commit's WAL sync is done ({@link
   * MetaService#bindInlineMutation}): the hand-off to a virtual thread, its wait for the fsync and
   * the hand-back to the event loop were most of a create's or an unlink's cost beyond the commit
   * itself. The rest (O_TRUNC creates, lengths to be checked on storage, creates while few inode
   * ids are in hand, so that the event loop never takes a block of ids itself) run on virtual
   * threads as before.
   */
  private void registerMutations(Dispatcher d) {
    OneAttemptWrites writes = new OneAttemptWrites(ctx.kv());
    mutation(d, writes, "Create", CreateReq.class, CreateOp::new, q -> CreateOp.storeOnly(ctx, q));
    mutation(d, writes, "Close", CloseReq.class, CloseOp::new, CloseOp::storeOnly);
    mutation(
        d,
        writes,
        "BatchClose",
        BatchCloseReq.class,
        BatchCloseOp::new,
        q ->
            q.getClosesCount() <= INLINE_CLOSES
                && q.getClosesList().stream().allMatch(CloseOp::storeOnly));
    mutation(d, writes, "Sync", SyncReq.class, SyncOp::new, SyncOp::storeOnly);
    mutation(
        d,
        writes,
        "Mkdirs",
        MkdirsReq.class,
        MkdirsOp::new,
        q -> ctx.ids().canTakeInline(idsAtMost(q)));
    mutation(
        d, writes, "Symlink", SymlinkReq.class, SymlinkOp::new, q -> ctx.ids().canTakeInline(1));
    mutation(d, writes, "HardLink", HardLinkReq.class, HardLinkOp::new, q -> true);
    mutation(d, writes, "Remove", RemoveReq.class, RemoveOp::new, q -> true);
    mutation(d, writes, "Rename", RenameReq.class, RenameOp::new, q -> true);
    mutation(
        d,
        writes,
        "BatchRemove",
        BatchRemoveReq.class,
        BatchRemoveOp::new,
        q -> q.getUnlinksCount() <= INLINE_CLOSES);
    // (A batch that asks for a block of ids commits only it: no allocator block in hand is taken.)
    mutation(
        d,
        writes,
        "BatchCreate",
        BatchCreateReq.class,
        BatchCreateOp::new,
        q -> q.getCreatesCount() <= INLINE_CLOSES);
  }

  private <Q extends Message, R extends Message> void mutation(
      Dispatcher d,
      OneAttemptWrites writes,
      String method,
      Class<Q> type,
      Function<MetaContext, MetaOp<Q, R>> op,
      Predicate<Q> inline) {
    if (ctx.kv().localReads()) {
      MetaService.bindInlineMutation(
          d, method, type, writes, op.apply(ctx.withKv(writes)), op.apply(ctx), inline);
    } else {
      MetaService.bind(d, method, type, op.apply(ctx));
    }
  }

  /** The inode ids a Mkdirs may take: one per component of its path (only the last unless -p). */
  static long idsAtMost(MkdirsReq request) {
    if (!request.getRecursive()) {
      return 1;
    }
    String path = request.getPath().getPath();
    return 1 + path.chars().filter(c -> c == '/').count();
  }

  /** The client ids mgmtd holds sessions for. */
  private Set<String> liveClients() {
    Set<String> out = new HashSet<>();
    for (ClientSessionInfo session :
        mgmtd
            .call(
                "Mgmtd.ListClientSessions",
                ListClientSessionsReq.getDefaultInstance(),
                ListClientSessionsRsp.class)
            .getSessionsList()) {
      out.add(session.getClientId());
    }
    return out;
  }

  /** Registers with mgmtd (if any) and starts the GC and, with mgmtd, the session pruner. */
  public void start() {
    if (agent != null) {
      agent.start();
    }
    background.scheduleWithFixedDelay(
        () -> {
          try {
            gc.runFor(config.gcBatch(), GC_ROUND_MS);
          } catch (RuntimeException e) {
            log.warn("GC pass failed: {}", e.toString());
          }
        },
        config.gcIntervalMs(),
        config.gcIntervalMs(),
        TimeUnit.MILLISECONDS);
    if (mgmtd != null) {
      background.scheduleWithFixedDelay(
          () -> {
            try {
              int pruned = sessions.runOnce();
              if (pruned > 0) {
                log.info("ended {} write sessions of clients that are gone", pruned);
              }
            } catch (RuntimeException e) {
              log.warn("session pruning failed: {}", e.toString());
            }
          },
          config.sessionPruneIntervalMs(),
          config.sessionPruneIntervalMs(),
          TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    background.shutdownNow();
    if (agent != null) {
      agent.close();
    }
  }
}
