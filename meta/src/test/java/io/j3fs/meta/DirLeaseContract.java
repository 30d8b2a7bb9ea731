package io.j3fs.meta;

import static io.j3fs.meta.MetaFixture.ALICE;
import static io.j3fs.meta.MetaFixture.ROOT;
import static io.j3fs.meta.MetaFixture.path;
import static io.j3fs.meta.MetaOpsContract.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.time.ManualClock;
import io.j3fs.kv.KvEngine;
import io.j3fs.meta.ops.DirLeases;
import io.j3fs.meta.store.InodeIdAllocator;
import io.j3fs.proto.meta.AcquireDirLeaseReq;
import io.j3fs.proto.meta.AcquireDirLeaseRsp;
import io.j3fs.proto.meta.BatchCreateReq;
import io.j3fs.proto.meta.BatchCreateRsp;
import io.j3fs.proto.meta.BatchRemoveReq;
import io.j3fs.proto.meta.BatchRemoveRsp;
import io.j3fs.proto.meta.CreateResult;
import io.j3fs.proto.meta.DeferredCreate;
import io.j3fs.proto.meta.DeferredUnlink;
import io.j3fs.proto.meta.HardLinkReq;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.ReleaseDirLeaseReq;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.SetAttrReq;
import io.j3fs.proto.meta.SymlinkReq;
import io.j3fs.proto.meta.UserInfo;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Directory leases and the batches of unlinks sent under them (unlink-behind), on every KV engine:
 * two clients ({@link #a} holds leases, {@link #b} is someone else) on one store and one clock.
 */
abstract class DirLeaseContract {
  private final ManualClock clock = new ManualClock(1_000_000);
  private KvEngine engine;
  private MetaFixture a;
  private MetaFixture b;

  protected abstract KvEngine openEngine();

  protected void closeEngine(KvEngine engine) {
    engine.close();
  }

  @BeforeEach
  void open() {
    engine = openEngine();
    a = new MetaFixture(engine, MetaSettings.DEFAULT, clock);
    b = new MetaFixture(engine, MetaSettings.DEFAULT, clock);
  }

  @AfterEach
  void close() {
    assertThat(a.problems()).as("namespace checker").isEmpty();
    closeEngine(engine);
  }

  private AcquireDirLeaseRsp acquire(MetaFixture client, UserInfo user, long dir) {
    return client.acquireDirLease.run(
        AcquireDirLeaseReq.newBuilder()
            .setUser(user)
            .setRequest(client.request())
            .setDir(dir)
            .build());
  }

  private void release(MetaFixture client, long dir, long leaseId) {
    client.releaseDirLease.run(
        ReleaseDirLeaseReq.newBuilder()
            .setRequest(client.request())
            .setDir(dir)
            .setLeaseId(leaseId)
            .build());
  }

  private static DeferredUnlink unlink(String name, Inode inode) {
    return DeferredUnlink.newBuilder()
        .setUser(ROOT)
        .setName(name)
        .setInodeId(inode.getId())
        .build();
  }

  private BatchRemoveRsp batch(
      MetaFixture client, RequestId id, long dir, long leaseId, List<DeferredUnlink> unlinks) {
    return client.batchRemove.run(
        BatchRemoveReq.newBuilder()
            .setRequest(id)
            .setDir(dir)
            .setLeaseId(leaseId)
            .addAllUnlinks(unlinks)
            .build());
  }

  @Test
  void aLeaseKeepsOtherClientsOffTheDirectoryUntilItIsGivenBack() {
    Inode dir = a.mkdir("/d");
    a.touch("/d/x");
    AcquireDirLeaseRsp lease = acquire(a, ROOT, dir.getId());
    assertThat(lease.getGranted()).isTrue();
    assertThat(lease.getLeaseMs()).isEqualTo(MetaSettings.DEFAULT.dirLeaseMs());

    assertThat(acquire(b, ROOT, dir.getId()).getGranted()).as("held by a").isFalse();
    fails(StatusCode.DIRECTORY_LEASED, () -> b.touch("/d/y"));
    fails(StatusCode.DIRECTORY_LEASED, () -> b.rm("/d/x"));
    fails(StatusCode.DIRECTORY_LEASED, () -> b.mkdir("/d/sub"));
    fails(StatusCode.DIRECTORY_LEASED, () -> b.mv(ROOT, "/d/x", "/moved", 0));
    fails(
        StatusCode.DIRECTORY_LEASED,
        () ->
            b.symlink.run(
                SymlinkReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(b.request())
                    .setPath(path("/d/s"))
                    .setTarget("x")
                    .build()));
    fails(
        StatusCode.DIRECTORY_LEASED,
        () ->
            b.mkdirs.run(
                io.j3fs.proto.meta.MkdirsReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(b.request())
                    .setPath(path("/d/p/q"))
                    .setMode(0755)
                    .setRecursive(true)
                    .build()));
    fails(
        StatusCode.DIRECTORY_LEASED,
        () -> b.create(ROOT, "/d/x", 0644, 0100 | 01)); // O_CREAT of a name a may have removed
    assertThat(
            b.open
                .run(
                    io.j3fs.proto.meta.OpenReq.newBuilder()
                        .setUser(ROOT)
                        .setPath(path("/d/x"))
                        .setFlags(0)
                        .build())
                .getInode()
                .getId())
        .as("a read-only open is a read")
        .isEqualTo(b.stat("/d/x").getId());
    b.touch("/outside"); // other directories are not held
    fails(
        StatusCode.DIRECTORY_LEASED,
        () ->
            b.hardLink.run(
                HardLinkReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(b.request())
                    .setOldPath(path("/outside"))
                    .setNewPath(path("/d/hard"))
                    .build()));
    fails(StatusCode.DIRECTORY_LEASED, () -> b.mv(ROOT, "/outside", "/d/z", 0));
    fails(
        StatusCode.DIRECTORY_LEASED,
        () ->
            b.setAttr.run(
                SetAttrReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(b.request())
                    .setPath(path("/d"))
                    .setMode(0700)
                    .build()));
    b.setAttr.run(
        SetAttrReq.newBuilder()
            .setUser(ROOT)
            .setRequest(b.request())
            .setPath(path("/d"))
            .setMtimeNs(-1)
            .build()); // times decide nothing
    assertThat(b.stat("/d/x").getNlink()).as("reads are never held").isEqualTo(1);

    a.touch("/d/mine"); // the holder's own changes go through
    a.rm("/d/mine");

    assertThat(
            a.batchRemove
                .run(
                    BatchRemoveReq.newBuilder()
                        .setRequest(a.request())
                        .setDir(dir.getId())
                        .setLeaseId(lease.getLeaseId())
                        .build())
                .getLeaseKept())
        .as("recalled by b's attempts: not renewed")
        .isFalse();
    release(a, dir.getId(), lease.getLeaseId());
    assertThat(acquire(a, ROOT, dir.getId()).getGranted())
        .as("given back after a recall: cooling down for the one who waited")
        .isFalse();
    b.touch("/d/y");
    clock.advance(DirLeases.RECALL_COOLDOWN_MS, TimeUnit.MILLISECONDS);
    assertThat(acquire(a, ROOT, dir.getId()).getGranted()).as("after the cool-down").isTrue();
  }

  @Test
  void aLeaseLapsesWithoutRenewalAndIsRenewedByItsBatches() {
    Inode dir = a.mkdir("/d");
    Inode x = a.touch("/d/x");
    AcquireDirLeaseRsp lease = acquire(a, ROOT, dir.getId());
    long leaseMs = lease.getLeaseMs();
    clock.advance(leaseMs - 100, TimeUnit.MILLISECONDS);
    BatchRemoveRsp rsp =
        batch(a, a.request(), dir.getId(), lease.getLeaseId(), List.of(unlink("x", x)));
    assertThat(rsp.getStatusesList()).containsExactly(0);
    assertThat(rsp.getLeaseKept()).isTrue();
    clock.advance(leaseMs - 100, TimeUnit.MILLISECONDS);
    fails(StatusCode.DIRECTORY_LEASED, () -> b.touch("/d/y")); // renewed by the batch: still a's
    // (that attempt recalled it: a gives it back, then waits out the cool-down like anyone)
    release(a, dir.getId(), lease.getLeaseId());
    clock.advance(DirLeases.RECALL_COOLDOWN_MS, TimeUnit.MILLISECONDS);
    AcquireDirLeaseRsp again = acquire(a, ROOT, dir.getId());
    assertThat(again.getGranted()).isTrue();
    clock.advance(again.getLeaseMs(), TimeUnit.MILLISECONDS);
    b.touch("/d/y"); // lapsed: anyone may change the directory
    assertThat(acquire(b, ROOT, dir.getId()).getGranted())
        .as("a lapsed lease is no one's")
        .isTrue();
    fails(
        StatusCode.DIRECTORY_LEASED,
        () -> batch(a, a.request(), dir.getId(), again.getLeaseId(), List.of(unlink("x", x))));
  }

  @Test
  void aRecalledHolderKeepsTheDirectoryWhileItDrainsItsBatches() {
    Inode dir = a.mkdir("/d");
    Inode x = a.touch("/d/x");
    AcquireDirLeaseRsp lease = acquire(a, ROOT, dir.getId());
    clock.advance(lease.getLeaseMs() - 100, TimeUnit.MILLISECONDS);
    fails(StatusCode.DIRECTORY_LEASED, () -> b.touch("/d/y")); // asks it back
    BatchRemoveRsp rsp =
        batch(a, a.request(), dir.getId(), lease.getLeaseId(), List.of(unlink("x", x)));
    assertThat(rsp.getLeaseKept()).as("no more early answers").isFalse();
    clock.advance(200, TimeUnit.MILLISECONDS); // past the lease's first expiry
    fails(StatusCode.DIRECTORY_LEASED, () -> b.touch("/d/y")); // renewed for the drain
    release(a, dir.getId(), lease.getLeaseId());
    b.touch("/d/y");
  }

  @Test
  void leaseRecordsGoWithTheirDirectoryAndWhenLongLapsed() {
    Inode d = a.mkdir("/d");
    Inode e = a.mkdir("/e");
    acquire(a, ROOT, d.getId());
    acquire(a, ROOT, e.getId());
    a.rm(ROOT, "/d"); // rmdir, by the holder
    assertThat(leaseRecord(d.getId())).as("gone with its directory").isNull();
    assertThat(leaseRecord(e.getId())).isNotNull();
    clock.advance(MetaSettings.DEFAULT.dirLeaseMs() + 30_000, TimeUnit.MILLISECONDS);
    a.gc.runFor(64, 1_000);
    assertThat(leaseRecord(e.getId())).as("lapsed half a minute ago: kept").isNotNull();
    clock.advance(31_000, TimeUnit.MILLISECONDS);
    a.gc.runFor(64, 1_000);
    assertThat(leaseRecord(e.getId())).as("lapsed over a minute ago: cleared").isNull();
  }

  private byte[] leaseRecord(long dir) {
    return engine.read(tx -> tx.get(io.j3fs.meta.store.MetaKeys.dirLease(dir)));
  }

  @Test
  void aBatchRemovesOnlyNamesThatStillLeadToTheInodeTheClientSaw() {
    Inode dir = a.mkdir("/d");
    Inode f = a.touch("/d/f");
    Inode g = a.wrote(a.touch("/d/g"), 100);
    Inode replaced = a.touch("/d/r");
    a.symlink.run(
        SymlinkReq.newBuilder()
            .setUser(ROOT)
            .setRequest(a.request())
            .setPath(path("/d/s"))
            .setTarget("f")
            .build());
    Inode s = a.lstat("/d/s");
    Inode sub = a.mkdir("/d/sub");
    a.rm("/d/r");
    Inode newR = a.touch("/d/r"); // same name, another inode
    Inode gone = a.touch("/d/gone");
    a.rm("/d/gone");
    a.hardLink.run(
        HardLinkReq.newBuilder()
            .setUser(ROOT)
            .setRequest(a.request())
            .setOldPath(path("/d/f"))
            .setNewPath(path("/f2"))
            .build());

    BatchRemoveRsp rsp =
        batch(
            a,
            a.request(),
            dir.getId(),
            0,
            List.of(
                unlink("f", f),
                unlink("g", g),
                unlink("r", replaced),
                unlink("s", s),
                unlink("sub", sub),
                unlink("gone", gone),
                DeferredUnlink.newBuilder()
                    .setUser(ALICE)
                    .setName("r")
                    .setInodeId(newR.getId())
                    .build()));
    assertThat(rsp.getStatusesList())
        .containsExactly(
            0,
            0,
            StatusCode.NOT_FOUND.number(),
            0,
            StatusCode.IS_DIRECTORY.number(),
            StatusCode.NOT_FOUND.number(),
            StatusCode.PERMISSION_DENIED.number());
    assertThat(rsp.getLeaseKept()).as("no lease named").isFalse();
    assertThat(a.ls("/d")).containsExactlyInAnyOrder("r", "sub");
    assertThat(a.stat("/f2").getNlink()).as("the other link stays").isEqualTo(1);
    assertThat(a.gc.drain()).as("only g held bytes").isEqualTo(1);
    assertThat(a.storage.removals).containsOnlyKeys(g.getId());
  }

  @Test
  void aRetriedBatchIsAnsweredWithoutBeingAppliedAgain() {
    Inode dir = a.mkdir("/d");
    Inode f = a.touch("/d/f");
    RequestId id = a.request();
    BatchRemoveRsp first = batch(a, id, dir.getId(), 0, List.of(unlink("f", f)));
    Inode again = a.touch("/d/f");
    BatchRemoveRsp retried = batch(a, id, dir.getId(), 0, List.of(unlink("f", again)));
    assertThat(retried).isEqualTo(first);
    assertThat(a.stat("/d/f").getId()).as("the retry removed nothing").isEqualTo(again.getId());
  }

  @Test
  void anotherClientsLiveLeaseHoldsABatchBack() {
    Inode dir = a.mkdir("/d");
    Inode f = a.touch("/d/f");
    assertThat(acquire(b, ROOT, dir.getId()).getGranted()).isTrue();
    fails(
        StatusCode.DIRECTORY_LEASED,
        () -> batch(a, a.request(), dir.getId(), 0, List.of(unlink("f", f))));
    assertThat(a.ls("/d")).containsExactly("f");
  }

  @Test
  void onlyAWriterOfALiveDirectoryGetsItsLease() {
    Inode dir = a.mkdir(ROOT, "/d", 0755);
    Inode file = a.touch("/file");
    Inode removed = a.mkdir("/removed");
    a.rm(ROOT, "/removed");
    fails(StatusCode.PERMISSION_DENIED, () -> acquire(a, ALICE, dir.getId()));
    fails(StatusCode.NOT_DIRECTORY, () -> acquire(a, ROOT, file.getId()));
    fails(StatusCode.NOT_FOUND, () -> acquire(a, ROOT, removed.getId()));
  }

  @Test
  void onlyTheHolderGivesALeaseBack() {
    Inode dir = a.mkdir("/d");
    AcquireDirLeaseRsp lease = acquire(a, ROOT, dir.getId());
    release(b, dir.getId(), lease.getLeaseId());
    release(a, dir.getId(), lease.getLeaseId() + 1);
    fails(StatusCode.DIRECTORY_LEASED, () -> b.touch("/d/y"));
    release(a, dir.getId(), lease.getLeaseId());
    b.touch("/d/y");
    assertThat(acquire(b, ROOT, dir.getId()).getGranted()).as("cooling down").isFalse();
  }

  @Test
  void withLeasesOffNoneIsGranted() {
    MetaSettings d = MetaSettings.DEFAULT;
    MetaFixture off =
        new MetaFixture(
            engine,
            new MetaSettings(
                d.chainTableId(),
                d.chunkSizeBytes(),
                d.stripeSize(),
                d.listPageSize(),
                d.maxListPageSize(),
                d.gcDelayMs(),
                d.idempotencyTtlMs(),
                0),
            clock);
    Inode dir = off.mkdir("/d");
    assertThat(acquire(off, ROOT, dir.getId()).getGranted()).isFalse();
  }

  private static DeferredCreate create(String name, long id, int mode, boolean write) {
    return DeferredCreate.newBuilder()
        .setUser(ROOT)
        .setName(name)
        .setInodeId(id)
        .setMode(mode)
        .setTimeNs(123_456_789_000L)
        .setOpenForWrite(write)
        .build();
  }

  private BatchCreateRsp creates(
      MetaFixture client, RequestId id, long dir, long leaseId, List<DeferredCreate> creates) {
    return client.batchCreate.run(
        BatchCreateReq.newBuilder()
            .setRequest(id)
            .setDir(dir)
            .setLeaseId(leaseId)
            .addAllCreates(creates)
            .build());
  }

  private AcquireDirLeaseRsp acquireWithIds(MetaFixture client, long dir) {
    return client.acquireDirLease.run(
        AcquireDirLeaseReq.newBuilder()
            .setUser(ROOT)
            .setRequest(client.request())
            .setDir(dir)
            .setWantInodeIds(true)
            .build());
  }

  @Test
  void createsAnsweredEarlyAreMadeUnderTheIdsGivenToTheirClient() {
    Inode dir = a.mkdir("/d");
    Inode other = b.mkdir("/o");
    AcquireDirLeaseRsp lease = acquireWithIds(a, dir.getId());
    long first = lease.getFirstInodeId();
    assertThat(lease.getInodeIds()).isEqualTo(InodeIdAllocator.BLOCK_IDS);
    long othersId = acquireWithIds(b, other.getId()).getFirstInodeId();
    assertThat(othersId).as("blocks never overlap").isNotEqualTo(first);
    Inode made = a.touch("/made"); // the service's own ids are never a client's
    assertThat(made.getId() >= first && made.getId() < first + InodeIdAllocator.BLOCK_IDS)
        .as("the service's id 0x%x in the client's block", made.getId())
        .isFalse();

    RequestId id = a.request();
    BatchCreateRsp rsp =
        creates(
            a,
            id,
            dir.getId(),
            lease.getLeaseId(),
            List.of(
                create("x", first, 0640, false),
                create("y", first + 1, 0600, true),
                create("z", othersId, 0644, false),
                create("w", made.getId(), 0644, false),
                create("x", first + 2, 0644, false),
                create("v", first, 0644, false),
                DeferredCreate.newBuilder(create("u", first + 3, 0644, false))
                    .setUser(ALICE)
                    .build()));
    assertThat(rsp.getResultsList())
        .extracting(CreateResult::getStatus)
        .containsExactly(
            0,
            0,
            StatusCode.INVALID_ARGUMENT.number(),
            StatusCode.INVALID_ARGUMENT.number(),
            StatusCode.EXISTS.number(),
            StatusCode.EXISTS.number(),
            StatusCode.PERMISSION_DENIED.number());
    assertThat(rsp.getLeaseKept()).as("the batch renews its lease").isTrue();
    assertThat(a.ls("/d")).containsExactlyInAnyOrder("x", "y");
    Inode x = a.stat("/d/x");
    assertThat(x.getId()).isEqualTo(first);
    assertThat(x.getMode() & 07777).isEqualTo(0640);
    assertThat(x.getMtimeNs()).as("the times the client answered with").isEqualTo(123_456_789_000L);
    assertThat(x.getLayout().getChainsCount()).as("a layout picked by the service").isPositive();
    assertThat(rsp.getResults(0).getSessionId()).isEmpty();
    assertThat(rsp.getResults(1).getSessionId()).as("y's handle is open for writing").isNotEmpty();
    assertThat(rsp.getResults(1).getInode()).isEqualTo(a.stat("/d/y"));

    BatchCreateRsp retried =
        creates(
            a, id, dir.getId(), lease.getLeaseId(), List.of(create("t", first + 4, 0644, false)));
    assertThat(retried).as("a retry is answered as the first time").isEqualTo(rsp);
    assertThat(a.ls("/d")).containsExactlyInAnyOrder("x", "y");
  }

  @Test
  void aHeldDirectoryIsNotRemovedOrReplacedByAnotherClient() {
    Inode held = a.mkdir("/held");
    a.mkdir("/other");
    assertThat(acquire(a, ROOT, held.getId()).getGranted()).isTrue();
    // Empty as far as the store knows; its holder's creates may still be on their way.
    fails(StatusCode.DIRECTORY_LEASED, () -> b.rm(ROOT, "/held"));
    fails(StatusCode.DIRECTORY_LEASED, () -> b.mv(ROOT, "/other", "/held", 0));
    assertThat(a.ls("/")).contains("held", "other");
  }

  @Test
  void aBatchOfCreatesWaitsForAnotherClientsLeaseAndMayAskForMoreIds() {
    Inode dir = a.mkdir("/d");
    long first = acquireWithIds(a, a.mkdir("/mine").getId()).getFirstInodeId();
    assertThat(acquire(b, ROOT, dir.getId()).getGranted()).isTrue();
    fails(
        StatusCode.DIRECTORY_LEASED,
        () -> creates(a, a.request(), dir.getId(), 0, List.of(create("x", first, 0644, false))));
    assertThat(a.ls("/d")).isEmpty();

    BatchCreateRsp more =
        a.batchCreate.run(
            BatchCreateReq.newBuilder()
                .setRequest(a.request())
                .setDir(a.stat("/mine").getId())
                .addCreates(create("x", first, 0644, false))
                .setWantInodeIds(true)
                .build());
    assertThat(more.getResults(0).getStatus()).isZero();
    assertThat(more.getFirstInodeId()).isNotEqualTo(first).isPositive();
    assertThat(more.getLeaseKept()).as("no lease named").isFalse();
    BatchCreateRsp next =
        creates(
            a,
            a.request(),
            a.stat("/mine").getId(),
            0,
            List.of(create("y", more.getFirstInodeId(), 0644, false)));
    assertThat(next.getResults(0).getStatus()).as("ids of the new block").isZero();
  }
}
