package io.j3fs.fuse.ops;

import static io.j3fs.fuse.Polling.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.proto.meta.AcquireDirLeaseRsp;
import io.j3fs.proto.meta.BatchCreateReq;
import io.j3fs.proto.meta.BatchCreateRsp;
import io.j3fs.proto.meta.BatchRemoveReq;
import io.j3fs.proto.meta.BatchRemoveRsp;
import io.j3fs.proto.meta.CreateResult;
import io.j3fs.proto.meta.DeferredCreate;
import io.j3fs.proto.meta.DeferredUnlink;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.Layout;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.UserInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Unlink-behind against a metadata service this test plays: when it takes a directory, which
 * unlinks it answers itself, how it batches and sends them (again with the same request id after a
 * failure), what waits for them, and when it gives the lease back.
 */
class UnlinkBehindTest {
  static final long DIR = 42;
  static final UserInfo USER = UserInfo.newBuilder().setUid(1000).setGid(1000).build();
  static final UnlinkBehind.Settings FAST =
      new UnlinkBehind.Settings(20_000_000L, 300_000_000L, 1_000, 50_000_000L, 5_000);

  /** The service: names f0..f19 (files, one link) plus "dir", "twice" (two links) and "open". */
  final class FakeMeta implements UnlinkBehind.Meta {
    final AtomicBoolean grant = new AtomicBoolean(true);
    final AtomicBoolean keepLease = new AtomicBoolean(true);
    final AtomicInteger acquires = new AtomicInteger();
    final List<Long> released = new CopyOnWriteArrayList<>();
    final List<BatchRemoveReq> sent = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();
    volatile RuntimeException failure = new StatusException(StatusCode.UNAVAILABLE, "meta is away");
    volatile CountDownLatch hold = new CountDownLatch(0);
    volatile Runnable whileListing = () -> {};
    final AtomicLong requests = new AtomicLong();

    final List<BatchCreateReq> createsSent = new CopyOnWriteArrayList<>();
    final AtomicBoolean giveIds = new AtomicBoolean(true);
    final AtomicLong nextBlock = new AtomicLong(1_000_000);
    volatile int dirMode = 0755;

    @Override
    public AcquireDirLeaseRsp acquire(long dir, UserInfo user, boolean wantIds) {
      acquires.incrementAndGet();
      if (!grant.get()) {
        return AcquireDirLeaseRsp.getDefaultInstance();
      }
      AcquireDirLeaseRsp.Builder out =
          AcquireDirLeaseRsp.newBuilder()
              .setGranted(true)
              .setLeaseId(7)
              .setLeaseMs(5_000)
              .setDir(Inode.newBuilder().setId(dir).setMode(dirMode).setGid(50));
      if (wantIds && giveIds.get()) {
        out.setFirstInodeId(nextBlock.getAndAdd(4096)).setInodeIds(4096);
      }
      return out.build();
    }

    @Override
    public BatchCreateRsp create(BatchCreateReq request) {
      createsSent.add(request);
      try {
        hold.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      BatchCreateRsp.Builder out = BatchCreateRsp.newBuilder();
      for (DeferredCreate c : request.getCreatesList()) {
        if (c.getName().equals("taken")) {
          out.addResults(CreateResult.newBuilder().setStatus(StatusCode.EXISTS.number()));
          continue;
        }
        out.addResults(
            CreateResult.newBuilder()
                .setInode(
                    Inode.newBuilder()
                        .setId(c.getInodeId())
                        .setType(InodeType.FILE)
                        .setMode(c.getMode())
                        .setNlink(1)
                        .setLayout(Layout.newBuilder().setChunkSize(1 << 20).addChains(1)))
                .setSessionId(c.getOpenForWrite() ? "s-" + c.getInodeId() : ""));
      }
      if (request.getWantInodeIds() && giveIds.get()) {
        out.setFirstInodeId(nextBlock.getAndAdd(4096)).setInodeIds(4096);
      }
      return keepLease.get() ? out.setLeaseKept(true).setLeaseMs(5_000).build() : out.build();
    }

    @Override
    public ListRsp list(long dir, UserInfo user, String after) {
      whileListing.run();
      ListRsp.Builder out = ListRsp.newBuilder();
      for (int i = 0; i < 20; i++) {
        out.addEntries(file("f" + i, 100 + i, 1));
      }
      out.addEntries(
          DirEntry.newBuilder()
              .setName("dir")
              .setInodeId(200)
              .setType(InodeType.DIRECTORY)
              .setInode(Inode.newBuilder().setId(200).setNlink(2)));
      out.addEntries(file("twice", 201, 2));
      out.addEntries(file("open", 202, 1));
      return out.build();
    }

    private DirEntry file(String name, long id, int nlink) {
      return DirEntry.newBuilder()
          .setName(name)
          .setInodeId(id)
          .setType(InodeType.FILE)
          .setInode(Inode.newBuilder().setId(id).setNlink(nlink))
          .build();
    }

    @Override
    public BatchRemoveRsp remove(BatchRemoveReq request) {
      sent.add(request);
      try {
        hold.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (failuresLeft.getAndDecrement() > 0) {
        throw failure;
      }
      BatchRemoveRsp.Builder out = BatchRemoveRsp.newBuilder();
      request.getUnlinksList().forEach(u -> out.addStatuses(0));
      return keepLease.get() ? out.setLeaseKept(true).setLeaseMs(5_000).build() : out.build();
    }

    @Override
    public void release(long dir, long leaseId) {
      released.add(leaseId);
    }

    @Override
    public RequestId newRequest() {
      return RequestId.newBuilder()
          .setClientId("mount")
          .setRequestId(requests.incrementAndGet())
          .build();
    }

    List<String> sentNames() {
      return sent.stream()
          .flatMap(r -> r.getUnlinksList().stream())
          .map(DeferredUnlink::getName)
          .distinct()
          .toList();
    }
  }

  final FakeMeta meta = new FakeMeta();

  /** What stat-ahead was told of each batch sent: its directory, then the names it removed. */
  final List<List<String>> told = new CopyOnWriteArrayList<>();

  final UnlinkBehind behind =
      new UnlinkBehind(
          meta,
          Clock.system(),
          FAST,
          true,
          true,
          (dir, removed) -> {
            List<String> t = new ArrayList<>(List.of(Long.toString(dir)));
            t.addAll(List.of(removed));
            told.add(t);
          });
  final OpenFiles files = new OpenFiles(null, 4096);

  @AfterEach
  void close() {
    meta.hold.countDown();
    behind.close();
  }

  /** Unlinks done the ordinary way, enough to take the directory; waits until it is taken. */
  void take() throws InterruptedException {
    take(behind, 1);
  }

  /** Another instance on the same service, with these settings (closed by the caller). */
  UnlinkBehind with(UnlinkBehind.Settings settings) {
    return new UnlinkBehind(meta, Clock.system(), settings, true, true, (dir, removed) -> {});
  }

  /** Runs enough ordinary unlinks through {@code u} to take the directory, its lease number n. */
  static void take(UnlinkBehind u, int leases) throws InterruptedException {
    for (int i = 0; i < UnlinkBehind.TRIGGER; i++) {
      u.unlinked(DIR, "gone" + leases + "-" + i, USER);
    }
    await(() -> u.leases() == leases);
  }

  /** Runs {@code r} on a thread of its own; the flag says when it has returned. */
  static AtomicBoolean inBackground(Runnable r) {
    AtomicBoolean done = new AtomicBoolean();
    Thread.startVirtualThread(
        () -> {
          r.run();
          done.set(true);
        });
    return done;
  }

  boolean early(String name) {
    return behind.unlinkEarly(DIR, name, USER, id -> id == 202);
  }

  @Test
  void aRunOfUnlinksTakesTheDirectoryAndOnlyKnownFilesNotOpenHereAreAnsweredEarly()
      throws Exception {
    for (int i = 0; i < UnlinkBehind.TRIGGER - 1; i++) {
      behind.unlinked(DIR, "gone" + i, USER);
    }
    Thread.sleep(50);
    assertThat(meta.acquires.get()).as("one short of the trigger").isZero();
    assertThat(early("f0")).as("not held").isFalse();
    behind.unlinked(DIR, "gone7", USER);
    await(() -> behind.leases() == 1);

    assertThat(early("f0")).isTrue();
    assertThat(early("f0")).as("answered once: the name is gone").isFalse();
    assertThat(early("dir")).as("a directory").isFalse();
    assertThat(early("twice")).as("two links: the other stays").isTrue();
    assertThat(early("open")).as("open here").isFalse();
    assertThat(early("never")).as("not in the directory").isFalse();
    assertThat(behind.unlinkEarly(DIR + 1, "f1", USER, id -> false)).as("another dir").isFalse();
    assertThat(behind.earlyUnlinks()).isEqualTo(2);
  }

  @Test
  void earlyUnlinksGoInOneBatchWithTheirCallersAndTheLease() throws Exception {
    take();
    for (int i = 0; i < 10; i++) {
      assertThat(early("f" + i)).isTrue();
    }
    await(() -> behind.batches() == 1);
    BatchRemoveReq batch = meta.sent.getFirst();
    assertThat(batch.getDir()).isEqualTo(DIR);
    assertThat(batch.getLeaseId()).isEqualTo(7);
    assertThat(batch.getUnlinksList())
        .extracting(DeferredUnlink::getName)
        .containsExactly("f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9");
    assertThat(batch.getUnlinks(3).getInodeId()).isEqualTo(103);
    assertThat(batch.getUnlinks(3).getUser()).isEqualTo(USER);
    assertThat(told)
        .as("stat-ahead told")
        .containsExactly(
            List.of(
                Long.toString(DIR), "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"));
  }

  @Test
  void aNameIsBeingRemovedUntilItsBatchIsAppliedAndFlushWaitsForIt() throws Exception {
    take();
    meta.hold = new CountDownLatch(1); // the service holds the batch
    assertThat(early("f3")).isTrue();
    assertThat(behind.removing(DIR, "f3")).isTrue();
    assertThat(behind.removing(DIR, "f4")).isFalse();
    await(() -> meta.sent.size() == 1);
    AtomicBoolean flushed = inBackground(() -> behind.flush(DIR));
    Thread.sleep(50);
    assertThat(flushed.get()).as("the batch is still in flight").isFalse();
    meta.hold.countDown();
    await(flushed::get);
    assertThat(behind.removing(DIR, "f3")).isFalse();
  }

  @Test
  void theAttributesOfAnInodeWithAWaitingUnlinkWaitForIt() throws Exception {
    take();
    meta.hold = new CountDownLatch(1);
    assertThat(early("twice")).isTrue();
    AtomicBoolean statted = inBackground(() -> behind.beforeUse(201));
    Thread.sleep(50);
    assertThat(statted.get()).as("its unlink is not applied yet").isFalse();
    behind.beforeUse(999); // nothing waits for this one
    meta.hold.countDown();
    await(statted::get);
  }

  @Test
  void aFlushWaitsForWhatWasQueuedBeforeItNotForWhatKeepsComing() throws Exception {
    take();
    CountDownLatch first = new CountDownLatch(1);
    meta.hold = first;
    assertThat(early("f1")).isTrue();
    await(() -> meta.sent.size() == 1);
    AtomicBoolean flushed = inBackground(() -> behind.flush(DIR));
    Thread.sleep(20);
    assertThat(early("f2")).isTrue(); // queued after the flush began: the next batch
    CountDownLatch second = new CountDownLatch(1);
    meta.hold = second;
    first.countDown();
    await(flushed::get);
    await(() -> meta.sent.size() == 2);
    assertThat(behind.removing(DIR, "f2")).as("f2's batch is still held").isTrue();
    second.countDown();
  }

  @Test
  void aFlushThatCannotFinishFailsWithEio() throws Exception {
    UnlinkBehind impatient =
        with(new UnlinkBehind.Settings(1_000_000L, 300_000_000L, 1_000, 50_000_000L, 100));
    try {
      take(impatient, 1);
      meta.hold = new CountDownLatch(1);
      assertThat(impatient.unlinkEarly(DIR, "f1", USER, id -> false)).isTrue();
      assertThatThrownBy(() -> impatient.flush(DIR))
          .isInstanceOfSatisfying(
              Errno.Failure.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
      meta.hold.countDown();
    } finally {
      impatient.close();
    }
  }

  @Test
  void unlinksLostForGoodAreReportedByTheNextFsyncdirOnce() throws Exception {
    take();
    meta.failure = new StatusException(StatusCode.INVALID_ARGUMENT, "never");
    meta.failuresLeft.set(1);
    assertThat(early("f1")).isTrue();
    await(() -> behind.refusedUnlinks() == 1);
    assertThat(behind.removing(DIR, "f1")).as("no longer waiting").isFalse();
    assertThatThrownBy(() -> behind.sync(DIR))
        .isInstanceOfSatisfying(
            Errno.Failure.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
    behind.sync(DIR); // reported once
    assertThat(meta.sent).hasSize(1);
  }

  @Test
  void failuresThatMayPassAreRetriedNotLost() throws Exception {
    take();
    meta.failure = new StatusException(StatusCode.RETRIES_EXHAUSTED, "contention");
    meta.failuresLeft.set(1);
    assertThat(early("f1")).isTrue();
    await(() -> behind.batches() == 1);
    assertThat(meta.sent).hasSize(2);
    assertThat(behind.refusedUnlinks()).isZero();
  }

  @Test
  void aBugInTheSenderLosesItsBatchButNothingWaitsForever() throws Exception {
    take();
    meta.failure = new IllegalStateException("a bug");
    meta.failuresLeft.set(1);
    assertThat(early("f1")).isTrue();
    await(() -> behind.held() == 0);
    assertThat(behind.removing(DIR, "f1")).isFalse();
    assertThat(behind.refusedUnlinks()).isEqualTo(1);
    behind.flush(DIR); // nothing to wait for
    behind.beforeUse(101);
    assertThat(meta.released).containsExactly(7L);
  }

  @Test
  void aBarrierSendsWithoutLingering() throws Exception {
    UnlinkBehind slow =
        with(new UnlinkBehind.Settings(5_000_000_000L, 10_000_000_000L, 1_000, 50_000_000L, 5_000));
    try {
      take(slow, 1);
      assertThat(slow.unlinkEarly(DIR, "f1", USER, id -> false)).isTrue();
      long started = System.nanoTime();
      slow.beforeAdding(DIR, "f1"); // the same name again: its unlink goes first, now
      assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(2_000);
      assertThat(meta.sentNames()).containsExactly("f1");
      slow.beforeAdding(DIR, "f2"); // not waiting: returns at once
    } finally {
      slow.close();
    }
  }

  @Test
  void aFailedBatchIsSentAgainWithTheSameRequestId() throws Exception {
    take();
    meta.failuresLeft.set(2);
    assertThat(early("f5")).isTrue();
    await(() -> behind.batches() == 1);
    assertThat(meta.sent).hasSize(3);
    assertThat(meta.sent.stream().map(BatchRemoveReq::getRequest).distinct()).hasSize(1);
    assertThat(early("f6")).as("drained after a failure: the ordinary way").isFalse();
    await(() -> behind.held() == 0);
    assertThat(meta.released).containsExactly(7L);
  }

  @Test
  void aLeaseAskedBackEndsEarlyAnswersButWhatWaitsIsStillApplied() throws Exception {
    take();
    meta.keepLease.set(false);
    meta.hold = new CountDownLatch(1);
    assertThat(early("f1")).isTrue();
    await(() -> meta.sent.size() == 1);
    assertThat(early("f2")).as("still usable while the answer is out").isTrue();
    meta.hold.countDown();
    await(() -> behind.held() == 0);
    assertThat(early("f3")).as("asked back: the ordinary way").isFalse();
    assertThat(meta.sentNames()).containsExactly("f1", "f2");
    assertThat(meta.sent.get(1).getLeaseId())
        .as("the lease still named: renewed while the holder drains")
        .isEqualTo(7);
    assertThat(meta.released).containsExactly(7L);
  }

  @Test
  void anIdleLeaseIsGivenBack() throws Exception {
    take();
    assertThat(early("f1")).isTrue();
    await(() -> behind.batches() == 1);
    await(() -> behind.held() == 0);
    assertThat(meta.released).containsExactly(7L);
  }

  @Test
  void namesThisMountMakesOrRemovesWhileTheDirectoryIsListedCountOverTheListing() throws Exception {
    meta.whileListing =
        () -> {
          behind.added(DIR, "new", Inode.newBuilder().setId(300).setType(InodeType.FILE).build());
          behind.added(DIR, "gone-again", Inode.newBuilder().setId(301).build());
          behind.removed(DIR, "gone-again");
          behind.removed(DIR, "f2");
          behind.added(DIR, "f2", null); // made again, its inode not known here
        };
    take();
    assertThat(early("new")).as("made while listed, a file known here").isTrue();
    assertThat(behind.knownAbsent(DIR, "gone-again")).isTrue();
    assertThat(behind.knownAbsent(DIR, "f2")).isFalse();
    assertThat(early("f2")).as("its inode is not known here").isFalse();
    assertThat(early("f1")).isTrue();
  }

  @Test
  void anUnlinkWhileTheDirectoryIsListedIsNotAnsweredAgain() throws Exception {
    meta.whileListing = () -> behind.removed(DIR, "f4");
    take();
    assertThat(early("f4")).as("removed the ordinary way meanwhile").isFalse();
    assertThat(early("f5")).isTrue();
  }

  @Test
  void namesAddedRenamedAndLinkedHereAreFollowed() throws Exception {
    take();
    behind.added(DIR, "made", Inode.newBuilder().setId(400).setNlink(1).build());
    assertThat(early("made")).as("created here").isTrue();
    behind.renamed(DIR, "f7", DIR, "f8");
    assertThat(early("f7")).as("moved away").isFalse();
    assertThat(early("f8")).as("replaced by a name whose inode is not known here").isFalse();
    behind.added(DIR, "link-to-f9", Inode.newBuilder().setId(109).setNlink(2).build());
    assertThat(early("link-to-f9")).as("a hard link made here").isTrue();
    assertThat(early("f9")).as("and its other name").isTrue();
  }

  @Test
  void aDirectoryGivenBackIsTakenAgainByItsNextRunAtOnce() throws Exception {
    // The back-off is for leases not taken: a long one here must not delay a directory whose
    // lease was taken and given back.
    UnlinkBehind patient =
        with(new UnlinkBehind.Settings(1_000_000L, 50_000_000L, 1_000, 60_000_000_000L, 5_000));
    try {
      take(patient, 1);
      await(() -> patient.held() == 0); // idle: given back
      for (int i = 0; i < UnlinkBehind.TRIGGER; i++) {
        patient.unlinked(DIR, "again" + i, USER);
      }
      long deadline = System.nanoTime() + 2_000_000_000L;
      while (patient.leases() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(patient.leases()).isEqualTo(2);
    } finally {
      patient.close();
    }
  }

  @Test
  void aDirectoryWhoseLeaseWasRefusedIsLeftAloneAWhile() throws Exception {
    meta.grant.set(false);
    for (int i = 0; i < UnlinkBehind.TRIGGER; i++) {
      behind.unlinked(DIR, "gone" + i, USER);
    }
    await(() -> meta.acquires.get() == 1 && behind.held() == 0);
    for (int i = 0; i < 2 * UnlinkBehind.TRIGGER; i++) {
      behind.unlinked(DIR, "soon" + i, USER);
    }
    Thread.sleep(20); // an acquire would run on a thread of its own
    assertThat(meta.acquires.get()).as("within the back-off").isEqualTo(1);
    Thread.sleep(FAST.backoffNanos() / 1_000_000 + 20);
    for (int i = 0; i < UnlinkBehind.TRIGGER; i++) {
      behind.unlinked(DIR, "later" + i, USER);
    }
    await(() -> meta.acquires.get() == 2);
  }

  @Test
  void aRefusedLeaseAnswersNothingEarly() throws Exception {
    meta.grant.set(false);
    for (int i = 0; i < UnlinkBehind.TRIGGER; i++) {
      behind.unlinked(DIR, "gone" + i, USER);
    }
    await(() -> meta.acquires.get() == 1);
    await(() -> behind.held() == 0);
    assertThat(early("f1")).isFalse();
    assertThat(meta.released).as("nothing was granted").isEmpty();
  }

  @Test
  void offMeansNeverTaken() throws Exception {
    UnlinkBehind off =
        new UnlinkBehind(meta, Clock.system(), FAST, false, true, (dir, removed) -> {});
    for (int i = 0; i < 3 * UnlinkBehind.TRIGGER; i++) {
      off.unlinked(DIR, "gone" + i, USER);
    }
    Thread.sleep(50);
    assertThat(meta.acquires.get()).isZero();
    off.close();
  }

  @Test
  void closingAppliesWhatWaitsAndGivesTheLeaseBack() throws Exception {
    take();
    UnlinkBehind.Settings lingering = FAST;
    assertThat(lingering.lingerNanos()).isPositive();
    for (int i = 0; i < 5; i++) {
      assertThat(early("f" + i)).isTrue();
    }
    behind.close();
    assertThat(meta.sentNames()).containsExactly("f0", "f1", "f2", "f3", "f4");
    assertThat(behind.held()).isZero();
    assertThat(meta.released).containsExactly(7L);
    assertThat(early("f5")).as("closed").isFalse();
  }

  // ---- create-behind ----

  /**
   * A create of {@code name} answered here (null: the ordinary way), its handle opened O_WRONLY.
   */
  OpenFile create(String name) {
    return behind.createEarly(
        DIR,
        name,
        0644,
        USER,
        inode -> {
          OpenFile f = files.open(inode, "", 01);
          f.markEarly();
          return f;
        });
  }

  List<String> createdNames() {
    return meta.createsSent.stream()
        .flatMap(r -> r.getCreatesList().stream())
        .map(DeferredCreate::getName)
        .toList();
  }

  @Test
  void createsInAHeldDirectoryAreAnsweredHereUnderTheIdsGivenAndAppliedInBatches()
      throws Exception {
    assertThat(create("n0")).as("not held yet").isNull();
    assertThat(behind.knownAbsent(DIR, "n0")).isFalse();
    take();
    assertThat(behind.knownAbsent(DIR, "n0")).isTrue();
    assertThat(behind.knownAbsent(DIR, "f1")).as("listed").isFalse();
    meta.hold = new CountDownLatch(1);
    List<OpenFile> made = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      made.add(create("n" + i));
    }
    assertThat(made).doesNotContainNull();
    assertThat(made)
        .extracting(OpenFile::inodeId)
        .containsExactly(
            1_000_000L,
            1_000_001L,
            1_000_002L,
            1_000_003L,
            1_000_004L,
            1_000_005L,
            1_000_006L,
            1_000_007L,
            1_000_008L,
            1_000_009L);
    assertThat(made.get(0).inode().getUid()).isEqualTo(1000);
    assertThat(made.get(0).inode().getGid()).isEqualTo(1000);
    assertThat(made.get(0).inode().getMode()).isEqualTo(0644);
    assertThat(behind.knownAbsent(DIR, "n3")).as("made here").isFalse();
    assertThat(behind.creating(DIR, "n3")).isTrue();
    assertThat(behind.waitsFor(1_000_003L)).isTrue();
    assertThat(create("n3")).as("a name made already").isNull();
    assertThat(behind.earlyCreates()).isEqualTo(10);
    for (OpenFile f : made.subList(1, 10)) {
      assertThat(f.sessionToEnd()).as("released before its batch was applied").isEmpty();
    }
    meta.hold.countDown();
    behind.flush(DIR);
    assertThat(behind.creating(DIR, "n3")).isFalse();
    assertThat(behind.waitsFor(1_000_003L)).isFalse();
    assertThat(createdNames())
        .containsExactly("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9");
    assertThat(meta.createsSent.get(0).getLeaseId()).isEqualTo(7);
    assertThat(meta.createsSent.get(0).getCreates(0).getTimeNs()).isPositive();
    assertThat(meta.createsSent)
        .as("each create asked for a session only if its handle was open for writing then")
        .allSatisfy(
            r ->
                assertThat(r.getCreatesList())
                    .allSatisfy(
                        c ->
                            assertThat(c.getOpenForWrite())
                                .isEqualTo(c.getInodeId() == 1_000_000L)));
    for (OpenFile f : made) {
      assertThat(f.inode().getLayout().getChainsCount()).as("the service's inode").isOne();
    }
    assertThat(made.get(0).session()).isEqualTo("s-1000000");
    assertThat(made.get(0).early()).isFalse();
    assertThat(behind.knownAbsent(DIR, "n3")).isFalse();
  }

  @Test
  void aWriteAsksItsCreateForASessionAndTheUnlinkOfACreatedFileComesAfterIt() throws Exception {
    take();
    meta.hold = new CountDownLatch(1);
    OpenFile f = create("w");
    OpenFile g = create("g");
    assertThat(early("g")).as("a file made here and not open").isTrue();
    AtomicBoolean settled = inBackground(() -> behind.beforeUse(f.inodeId()));
    Thread.sleep(30);
    assertThat(settled.get()).as("waits for the batch").isFalse();
    meta.hold.countDown();
    await(settled::get);
    assertThat(f.session()).isEqualTo("s-" + f.inodeId());
    assertThat(f.early()).isFalse();
    behind.flush(DIR);
    assertThat(meta.createsSent.get(0).getCreates(0).getOpenForWrite()).isTrue();
    assertThat(meta.sent).hasSize(1);
    assertThat(meta.sent.get(0).getUnlinks(0).getInodeId()).isEqualTo(g.inodeId());
    assertThat(createdNames()).containsExactly("w", "g");
  }

  @Test
  void aCreateTheServiceRefusesIsReportedAndItsNameIsNoLongerKnown() throws Exception {
    take();
    OpenFile f = create("taken");
    assertThat(f).isNotNull();
    behind.flush(DIR);
    assertThat(behind.refusedUnlinks()).isEqualTo(1);
    assertThat(behind.knownAbsent(DIR, "taken")).as("someone else's, maybe").isFalse();
    assertThat(create("taken")).isNull();
    assertThatThrownBy(() -> behind.sync(DIR)).isInstanceOf(Errno.Failure.class);
    assertThat(f.inode().getLayout().getChainsCount()).as("never made").isZero();
  }

  @Test
  void noCreateIsAnsweredWithoutIdsOrForANameThatMayBeThere() throws Exception {
    meta.giveIds.set(false);
    take();
    assertThat(create("n")).as("no ids given").isNull();
    behind.added(DIR, "moved", null); // a rename's target: its inode is not known here
    assertThat(behind.knownAbsent(DIR, "moved")).isFalse();
    assertThat(early("moved")).as("never unlinked here").isFalse();
  }

  @Test
  void aSessionAdoptedByAHandleReleasedMeanwhileIsEnded() throws Exception {
    List<String> ended = new CopyOnWriteArrayList<>();
    behind.endSessionsWith((file, session, user) -> ended.add(session));
    take();
    meta.hold = new CountDownLatch(1);
    OpenFile f = create("r");
    AtomicBoolean sent = inBackground(() -> behind.flush(DIR));
    await(() -> !meta.createsSent.isEmpty());
    assertThat(f.sessionToEnd()).as("released while its batch is in flight").isEmpty();
    meta.hold.countDown();
    await(sent::get);
    assertThat(ended).containsExactly("s-" + f.inodeId());
  }

  @Test
  void aFileMadeInASetgidDirectoryTakesItsGroup() throws Exception {
    meta.dirMode = 02775;
    take();
    assertThat(create("s").inode().getGid()).isEqualTo(50);
    behind.attrsChanging(DIR); // chgrp, chmod g-s: the group of the next files is not known
    assertThat(create("t")).isNull();
  }

  @Test
  void withCreatesOffNothingIsCreatedEarly() throws Exception {
    UnlinkBehind noCreates =
        new UnlinkBehind(meta, Clock.system(), FAST, true, false, (dir, removed) -> {});
    take(noCreates, 1);
    assertThat(noCreates.createEarly(DIR, "n", 0644, USER, inode -> files.open(inode, "", 01)))
        .isNull();
    noCreates.close();
  }
}
