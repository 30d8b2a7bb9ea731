package io.j3fs.meta;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.meta.gc.GcHint;
import io.j3fs.meta.gc.GcWorker;
import io.j3fs.meta.ops.*;
import io.j3fs.meta.store.InodeIdAllocator;
import io.j3fs.meta.store.RootInode;
import io.j3fs.proto.meta.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every metadata operation over one KV engine, with a chain table of 8 chains and in-memory
 * storage, plus short helpers that build requests the way a client would.
 */
public final class MetaFixture {
  public static final UserInfo ROOT = UserInfo.newBuilder().setUid(0).setGid(0).build();
  public static final UserInfo ALICE = UserInfo.newBuilder().setUid(1000).setGid(1000).build();
  public static final UserInfo BOB =
      UserInfo.newBuilder().setUid(1001).setGid(1001).addGroups(1000).build();

  public final KvEngine kv;
  public final FakeChunkStorage storage = new FakeChunkStorage();
  public final MetaContext ctx;
  public final GcWorker gc;
  private final AtomicLong requests = new AtomicLong();

  /** Every fixture is its own client: request ids are only unique per client id. */
  private final String clientId = "test-" + java.util.UUID.randomUUID();

  public final StatOp stat;
  public final BatchStatOp batchStat;
  public final LookupOp lookup;
  public final CreateOp create;
  public final OpenOp open;
  public final CloseOp close;
  public final BatchCloseOp batchClose;
  public final SyncOp sync;
  public final MkdirsOp mkdirs;
  public final SymlinkOp symlink;
  public final ReadLinkOp readLink;
  public final HardLinkOp hardLink;
  public final RemoveOp remove;
  public final RenameOp rename;
  public final ListOp list;
  public final SetAttrOp setAttr;
  public final TruncateOp truncate;
  public final GetRealPathOp realPath;
  public final GetXattrOp getXattr;
  public final SetXattrOp setXattr;
  public final ListXattrOp listXattr;
  public final RemoveXattrOp removeXattr;
  public final SetLayoutOp setLayout;
  public final PruneSessionOp pruneSession;
  public final StatFsOp statFs;
  public final AcquireDirLeaseOp acquireDirLease;
  public final ReleaseDirLeaseOp releaseDirLease;
  public final BatchRemoveOp batchRemove;
  public final BatchCreateOp batchCreate;

  public MetaFixture(KvEngine kv) {
    this(kv, MetaSettings.DEFAULT);
  }

  public MetaFixture(KvEngine kv, MetaSettings settings) {
    this(kv, settings, Clock.system());
  }

  public MetaFixture(KvEngine kv, MetaSettings settings, Clock clock) {
    this.kv = kv;
    List<ChainId> chains = new ArrayList<>();
    for (int c = 1; c <= 8; c++) {
      chains.add(ChainId.of(c));
    }
    RoutingInfo routing =
        new RoutingInfo(
            7, Map.of(), Map.of(), Map.of(), Map.of(1, new RoutingInfo.ChainTable(1, 3, chains)));
    ctx =
        new MetaContext(
            kv, clock, new InodeIdAllocator(kv), settings, () -> routing, storage, new GcHint());
    RootInode.ensure(kv, clock);
    gc = new GcWorker(ctx);
    stat = new StatOp(ctx);
    batchStat = new BatchStatOp(ctx);
    lookup = new LookupOp(ctx);
    create = new CreateOp(ctx);
    open = new OpenOp(ctx);
    close = new CloseOp(ctx);
    batchClose = new BatchCloseOp(ctx);
    sync = new SyncOp(ctx);
    mkdirs = new MkdirsOp(ctx);
    symlink = new SymlinkOp(ctx);
    readLink = new ReadLinkOp(ctx);
    hardLink = new HardLinkOp(ctx);
    remove = new RemoveOp(ctx);
    rename = new RenameOp(ctx);
    list = new ListOp(ctx);
    setAttr = new SetAttrOp(ctx);
    truncate = new TruncateOp(ctx);
    realPath = new GetRealPathOp(ctx);
    getXattr = new GetXattrOp(ctx);
    setXattr = new SetXattrOp(ctx);
    listXattr = new ListXattrOp(ctx);
    removeXattr = new RemoveXattrOp(ctx);
    setLayout = new SetLayoutOp(ctx);
    pruneSession = new PruneSessionOp(ctx);
    statFs = new StatFsOp(ctx);
    acquireDirLease = new AcquireDirLeaseOp(ctx);
    releaseDirLease = new ReleaseDirLeaseOp(ctx);
    batchRemove = new BatchRemoveOp(ctx);
    batchCreate = new BatchCreateOp(ctx);
  }

  public static PathAt path(String path) {
    return PathAt.newBuilder().setPath(path).build();
  }

  public RequestId request() {
    return RequestId.newBuilder()
        .setClientId(clientId)
        .setRequestId(requests.incrementAndGet())
        .build();
  }

  public Inode mkdir(UserInfo user, String path, int mode) {
    return mkdirs
        .run(
            MkdirsReq.newBuilder()
                .setUser(user)
                .setRequest(request())
                .setPath(path(path))
                .setMode(mode)
                .build())
        .getInode();
  }

  public Inode mkdir(String path) {
    return mkdir(ROOT, path, 0755);
  }

  public CreateRsp create(UserInfo user, String path, int mode, int flags) {
    return create.run(
        CreateReq.newBuilder()
            .setUser(user)
            .setRequest(request())
            .setPath(path(path))
            .setMode(mode)
            .setFlags(flags)
            .build());
  }

  /** A new file, created and closed. */
  public Inode touch(UserInfo user, String path) {
    return create(user, path, 0644, 0100 | 0200).getInode();
  }

  public Inode touch(String path) {
    return touch(ROOT, path);
  }

  /** {@code length} bytes of the file are in storage and reported, as a writer's close does. */
  public Inode wrote(Inode file, long length) {
    storage.written(file.getId(), length);
    return close
        .run(
            io.j3fs.proto.meta.CloseReq.newBuilder()
                .setUser(ROOT)
                .setInodeId(file.getId())
                .setLengthHint(
                    io.j3fs.proto.meta.LengthHint.newBuilder().setLength(length).setExact(true))
                .setWrote(true)
                .build())
        .getInode();
  }

  public Inode stat(UserInfo user, String path) {
    return stat.run(StatReq.newBuilder().setUser(user).setPath(path(path)).setFollow(true).build())
        .getInode();
  }

  public Inode stat(String path) {
    return stat(ROOT, path);
  }

  public Inode lstat(String path) {
    return stat.run(StatReq.newBuilder().setUser(ROOT).setPath(path(path)).build()).getInode();
  }

  public void rm(UserInfo user, String path) {
    remove.run(
        RemoveReq.newBuilder().setUser(user).setRequest(request()).setPath(path(path)).build());
  }

  public void rm(String path) {
    rm(ROOT, path);
  }

  public Inode mv(UserInfo user, String src, String dst, int flags) {
    return rename
        .run(
            RenameReq.newBuilder()
                .setUser(user)
                .setRequest(request())
                .setSrc(path(src))
                .setDst(path(dst))
                .setFlags(flags)
                .build())
        .getInode();
  }

  public Inode mv(String src, String dst) {
    return mv(ROOT, src, dst, 0);
  }

  /** Every name in a directory, through as many pages as it takes. */
  public List<String> ls(String path, int pageSize) {
    List<String> names = new ArrayList<>();
    String after = "";
    while (true) {
      ListRsp page =
          list.run(
              ListReq.newBuilder()
                  .setUser(ROOT)
                  .setPath(path(path))
                  .setAfter(after)
                  .setLimit(pageSize)
                  .build());
      for (DirEntry e : page.getEntriesList()) {
        names.add(e.getName());
        after = e.getName();
      }
      if (!page.getMore()) {
        return names;
      }
    }
  }

  public List<String> ls(String path) {
    return ls(path, 0);
  }

  /** The namespace checker finds nothing wrong. */
  public List<String> problems() {
    return NamespaceChecker.check(kv);
  }
}
