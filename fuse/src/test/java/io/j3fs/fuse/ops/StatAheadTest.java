package io.j3fs.fuse.ops;

import static io.j3fs.fuse.Polling.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.common.time.ManualClock;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.UserInfo;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Stat-ahead lists a directory after enough lookups in it, answers only names the listing holds,
 * with timeouts shortened by its age, and never uses a listing that a change of this mount, its age
 * or a failure made unfit; a change it can place (names, inodes) only keeps what it touched from
 * being answered; lookups wait for a listing in flight to reach their name.
 */
class StatAheadTest {
  static final long DIR = 42;
  static final UserInfo USER = UserInfo.newBuilder().setUid(1000).setGid(1000).build();
  final ManualClock clock = new ManualClock();
  final AtomicInteger pages = new AtomicInteger();

  /**
   * Names n0..n(count-1) in pages of 10, each with inode id 1000 + i (after a name not of this
   * form: from the start).
   */
  ListRsp page(String after, int count) {
    pages.incrementAndGet();
    int from = after.startsWith("n") ? Integer.parseInt(after.substring(1)) + 1 : 0;
    ListRsp.Builder out = ListRsp.newBuilder();
    for (int i = from; i < Math.min(count, from + 10); i++) {
      out.addEntries(
          DirEntry.newBuilder()
              .setName("n" + i)
              .setInodeId(1000 + i)
              .setInode(Inode.newBuilder().setId(1000 + i)));
    }
    return out.setMore(from + 10 < count).build();
  }

  StatAhead statAhead(StatAhead.Lister lister) {
    return new StatAhead(clock, lister, 30_000, 10_000);
  }

  /**
   * Stat-ahead over n0..n4 with its first listing started and {@code change} made while the service
   * lists (its first page call waits for the change).
   */
  StatAhead changedWhileListing(Consumer<StatAhead> change) throws InterruptedException {
    CountDownLatch listing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    StatAhead s =
        statAhead(
            (dir, user, after) -> {
              if (calls.incrementAndGet() == 1) {
                listing.countDown();
                awaitQuietly(release);
              }
              return page(after, 5);
            });
    miss(s, StatAhead.TRIGGER);
    listing.await();
    change.accept(s);
    release.countDown();
    return s;
  }

  /** A lister that records where each of its calls starts, then answers with {@code pages}. */
  static StatAhead.Lister recording(List<String> starts, Function<String, ListRsp> pages) {
    return (dir, user, after) -> {
      starts.add(after);
      return pages.apply(after);
    };
  }

  static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Enough missed lookups to list the directory, and a wait until it is its n-th listing. */
  void listed(StatAhead s, int n) throws InterruptedException {
    miss(s, StatAhead.TRIGGER);
    await(() -> s.listings() == n);
  }

  /** Lookups of "a", before every name the test listers list, that the service answered. */
  void miss(StatAhead s, int times) {
    for (int i = 0; i < times; i++) {
      s.missed(DIR, "a", USER);
    }
  }

  @Test
  void enoughLookupsListTheDirectoryAndItsNamesAreAnsweredWithShorterTimeouts() throws Exception {
    StatAhead s = statAhead((dir, user, after) -> page(after, 25));
    miss(s, StatAhead.TRIGGER - 1);
    Thread.sleep(20);
    assertThat(pages).as("not yet").hasValue(0);
    miss(s, 1);
    await(() -> s.listings() == 1);
    assertThat(pages).as("three pages of 10").hasValue(3);
    assertThat(s.kept()).isEqualTo(25);
    clock.advanceMillis(500);
    StatAhead.Hit hit = s.find(DIR, "n24");
    assertThat(hit.inode().getId()).isEqualTo(1024);
    assertThat(hit.entryMs()).isEqualTo(29_500);
    assertThat(hit.attrMs()).isEqualTo(9_500);
    assertThat(s.find(DIR, "n25")).as("not in the listing: asked for").isNull();
    assertThat(s.find(DIR + 1, "n1")).isNull();
    assertThat(s.hits()).isEqualTo(1);
    clock.advanceMillis(StatAhead.MAX_AGE_MS);
    assertThat(s.find(DIR, "n1")).as("too old").isNull();
    assertThat(s.kept()).as("dropped with it").isZero();
  }

  @Test
  void aChangeOfThisMountEndsAListingAndOneDuringItKeepsItFromBeingUsed() throws Exception {
    StatAhead s = changedWhileListing(StatAhead::changed); // while the first listing runs
    Thread.sleep(50);
    assertThat(s.listings()).as("taken before a change: dropped").isZero();
    assertThat(s.find(DIR, "n1")).isNull();

    listed(s, 1);
    assertThat(s.find(DIR, "n1")).isNotNull();
    s.changed();
    assertThat(s.find(DIR, "n1")).as("this mount changed something").isNull();
  }

  @Test
  void changesBetweenLookupsFailuresAndZeroTimeoutsStartNoListing() throws Exception {
    StatAhead s = statAhead((dir, user, after) -> page(after, 5));
    for (int i = 0; i < 3 * StatAhead.TRIGGER; i++) {
      s.missed(DIR, "a", USER);
      if (i % (StatAhead.TRIGGER - 1) == 0) {
        s.changed(); // a create or a write between stats: the listing would be stale at once
      }
    }
    Thread.sleep(20);
    assertThat(pages).hasValue(0);

    StatAhead off = new StatAhead(clock, (dir, user, after) -> page(after, 5), 0, 10_000);
    for (int i = 0; i < 3 * StatAhead.TRIGGER; i++) {
      off.missed(DIR, "a", USER);
    }
    Thread.sleep(20);
    assertThat(pages).as("entry timeout 0: nothing is cached, so nothing is listed").hasValue(0);

    AtomicInteger failures = new AtomicInteger();
    StatAhead failing =
        statAhead(
            (dir, user, after) -> {
              failures.incrementAndGet();
              throw new StatusException(StatusCode.PERMISSION_DENIED, "no read permission");
            });
    miss(failing, StatAhead.TRIGGER);
    await(() -> failures.get() == 1);
    Thread.sleep(20);
    miss(failing, 3 * StatAhead.TRIGGER);
    Thread.sleep(20);
    assertThat(failures).as("left alone after a failure").hasValue(1);
    clock.advanceMillis(StatAhead.FAILED_BACKOFF_MS + 1);
    miss(failing, StatAhead.TRIGGER);
    await(() -> failures.get() == 2);
  }

  @Test
  void aChangeOfSomeNamesOrInodesKeepsOnlyThoseFromBeingAnswered() throws Exception {
    StatAhead s = statAhead((dir, user, after) -> page(after, 25));
    listed(s, 1);
    s.namesChanged(DIR, "n1"); // an unlink or rename of n1 in DIR
    s.inodesChanged(1003); // a chmod, a truncate, a close of n3's file
    s.namesChanged(DIR + 1, "n4"); // elsewhere
    s.inodesChanged(DIR + 7);
    assertThat(s.find(DIR, "n1")).as("its name changed").isNull();
    assertThat(s.find(DIR, "n3")).as("its inode changed").isNull();
    assertThat(s.find(DIR, "n4")).isNotNull();
    assertThat(s.find(DIR, "n2")).isNotNull();

    // A listing begun after the changes answers for them again.
    clock.advanceMillis(StatAhead.MAX_AGE_MS);
    assertThat(s.find(DIR, "n2")).as("too old").isNull();
    listed(s, 2);
    assertThat(s.find(DIR, "n1")).isNotNull();
    assertThat(s.find(DIR, "n3")).isNotNull();
  }

  @Test
  void aNameChangedWhileTheListingRunsIsNotAnsweredFromIt() throws Exception {
    // Applied while the service lists: either state may be listed.
    StatAhead s = changedWhileListing(t -> t.namesChanged(DIR, "n2"));
    await(() -> s.listings() == 1);
    assertThat(s.find(DIR, "n2")).isNull();
    assertThat(s.find(DIR, "n1")).isNotNull();
  }

  @Test
  void filesWithSeveralLinksAreNeverAnsweredFromAListing() throws Exception {
    StatAhead s =
        statAhead(
            (dir, user, after) ->
                ListRsp.newBuilder()
                    .addEntries(entry("linked", InodeType.FILE, 2))
                    .addEntries(entry("single", InodeType.FILE, 1))
                    .addEntries(entry("sub", InodeType.DIRECTORY, 3))
                    .build());
    listed(s, 1);
    assertThat(s.find(DIR, "linked")).as("its other name may be unlinked unseen").isNull();
    assertThat(s.find(DIR, "single")).isNotNull();
    assertThat(s.find(DIR, "sub")).as("a directory's link count is its subdirectories").isNotNull();
  }

  private static DirEntry entry(String name, InodeType type, int nlink) {
    long id = 500 + name.length();
    return DirEntry.newBuilder()
        .setName(name)
        .setInodeId(id)
        .setInode(Inode.newBuilder().setId(id).setType(type).setNlink(nlink))
        .build();
  }

  @Test
  void aLookupWaitsForAListingInFlightToReachItsName() throws Exception {
    CountDownLatch secondPage = new CountDownLatch(1);
    StatAhead s =
        statAhead(
            (dir, user, after) -> {
              if (!after.equals("bb")) {
                return ListRsp.newBuilder()
                    .addEntries(entry("ab", InodeType.FILE, 1))
                    .addEntries(entry("bb", InodeType.FILE, 1))
                    .setMore(true)
                    .build();
              }
              awaitQuietly(secondPage);
              return ListRsp.newBuilder().addEntries(entry("cccc", InodeType.FILE, 1)).build();
            });
    miss(s, StatAhead.TRIGGER);
    await(() -> s.find(DIR, "ab") != null); // the first page
    assertThat(s.find(DIR, "b")).as("before the page's last name, not in it: no wait").isNull();
    AtomicInteger gaveUp = new AtomicInteger();
    AtomicReference<StatAhead.Hit> found = new AtomicReference<>();
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  Waiting.onThisThread(gaveUp::incrementAndGet);
                  found.set(s.find(DIR, "cccc"));
                });
    await(() -> gaveUp.get() == 1); // waiting, its turn given up
    Thread.sleep(20);
    assertThat(reader.isAlive()).isTrue();
    secondPage.countDown();
    reader.join(10_000);
    assertThat(found.get()).as("answered from the second page").isNotNull();
    assertThat(found.get().inode().getId()).isEqualTo(504);
    assertThat(s.find(DIR, "zz")).as("past the end: asked for, without waiting").isNull();
  }

  @Test
  void aLookupWaitsForAListingInFlightOnlySoLong() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    StatAhead s =
        new StatAhead(
            Clock.system(),
            (dir, user, after) -> {
              awaitQuietly(release);
              return page(after, 5);
            },
            30_000,
            10_000);
    try {
      miss(s, StatAhead.TRIGGER);
      long started = System.nanoTime();
      assertThat(s.find(DIR, "n1")).isNull();
      assertThat((System.nanoTime() - started) / 1_000_000L)
          .isGreaterThanOrEqualTo(StatAhead.MAX_WAIT_MS - 1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void beyondTheBoundOfMarksEverythingCountsAsChanged() throws Exception {
    StatAhead s = statAhead((dir, user, after) -> page(after, 5));
    listed(s, 1);
    for (int i = 0; i < StatAhead.MAX_MARKS; i++) {
      s.inodesChanged(1_000_000 + i);
    }
    assertThat(s.find(DIR, "n1")).isNotNull();
    s.inodesChanged(2_000_000); // one more: the marks are dropped, everything is marked once
    assertThat(s.find(DIR, "n1")).isNull();
  }

  @Test
  void aListingHoldsTheNamesAfterTheSmallestOneMissed() throws Exception {
    List<String> starts = new CopyOnWriteArrayList<>();
    StatAhead s = statAhead(recording(starts, after -> page(after, 25)));
    for (String name : new String[] {"n15", "n13", "n17", "n14", "n16", "n18", "n19", "n20"}) {
      s.missed(DIR, name, USER);
    }
    await(() -> s.listings() == 1);
    assertThat(starts.getFirst())
        .as("a sweep past one listing goes on from where it is")
        .isEqualTo("n13");
    assertThat(s.find(DIR, "n14")).isNotNull();
    assertThat(s.find(DIR, "n12")).as("before the listing's start: asked for").isNull();
  }

  @Test
  void aListingThatDidNotPayForItselfLeavesItsDirectoryAloneForAWhile() throws Exception {
    StatAhead s = statAhead((dir, user, after) -> page(after, 100));
    listed(s, 1);
    assertThat(s.find(DIR, "n1")).isNotNull(); // one hit for 100 names: not paid for
    clock.advanceMillis(StatAhead.MAX_AGE_MS);
    miss(s, StatAhead.TRIGGER);
    Thread.sleep(20);
    assertThat(s.listings()).as("backed off").isEqualTo(1);
    clock.advanceMillis(StatAhead.FIRST_BACKOFF_MS);
    listed(s, 2);

    // Again not paid for: twice as long now.
    clock.advanceMillis(StatAhead.MAX_AGE_MS);
    miss(s, StatAhead.TRIGGER);
    clock.advanceMillis(StatAhead.FIRST_BACKOFF_MS);
    miss(s, StatAhead.TRIGGER);
    Thread.sleep(20);
    assertThat(s.listings()).isEqualTo(2);
    clock.advanceMillis(StatAhead.FIRST_BACKOFF_MS);
    listed(s, 3);

    // A listing that paid for itself (one lookup in 16 of its names) lists again at once.
    for (int i = 0; i < 100 / StatAhead.MIN_HITS_PER_NAMES + 1; i++) {
      assertThat(s.find(DIR, "n" + i)).isNotNull();
    }
    clock.advanceMillis(StatAhead.MAX_AGE_MS);
    listed(s, 4);
  }

  @Test
  void missesOfNamesALiveListingHoldsStartNoOtherListing() throws Exception {
    StatAhead s = statAhead((dir, user, after) -> page(after, 25));
    listed(s, 1);
    int pagesRead = pages.get();
    s.inodesChanged(1003); // a session of n3's file ended in the background, say
    for (int i = 0; i < 3 * StatAhead.TRIGGER; i++) {
      assertThat(s.find(DIR, "n3")).isNull();
      s.missed(DIR, "n3", USER); // so the service answered it
    }
    Thread.sleep(20);
    assertThat(pages).as("the listing still answers the rest").hasValue(pagesRead);
    assertThat(s.find(DIR, "n4")).isNotNull();
    assertThat(s.find(DIR, "n5")).isNotNull(); // two hits for 25 names: it paid for itself
    clock.advanceMillis(StatAhead.MAX_AGE_MS);
    listed(s, 2);
  }

  /** Names x00000..x19999 in pages of 1,000 (in the service's order), ids 10,000 + i. */
  ListRsp bigPage(String after) {
    int from = after.startsWith("x") ? Integer.parseInt(after.substring(1)) + 1 : 0;
    ListRsp.Builder out = ListRsp.newBuilder();
    for (int i = from; i < Math.min(20_000, from + 1_000); i++) {
      String name = String.format("x%05d", i);
      out.addEntries(
          DirEntry.newBuilder()
              .setName(name)
              .setInodeId(10_000 + i)
              .setInode(Inode.newBuilder().setId(10_000 + i)));
    }
    return out.setMore(from + 1_000 < 20_000).build();
  }

  @Test
  void aSweepPastWhereALargeDirectorysListingStoppedListsOnFromThere() throws Exception {
    List<String> starts = new CopyOnWriteArrayList<>();
    StatAhead s = statAhead(recording(starts, after -> bigPage(after)));
    listed(s, 1);
    assertThat(s.kept()).as("stopped at the bound, on a page's end").isEqualTo(17_000);
    for (int i = 0; i < 17_000 / StatAhead.MIN_HITS_PER_NAMES + 1; i++) {
      assertThat(s.find(DIR, String.format("x%05d", i))).isNotNull();
    }
    assertThat(s.find(DIR, "x18500")).as("past where it stopped: no wait").isNull();
    int listed = starts.size();
    for (int i = 0; i < 3 * StatAhead.TRIGGER; i++) {
      s.missed(DIR, "x00005", USER); // within it (changed since, say): no new listing
    }
    Thread.sleep(20);
    assertThat(starts).hasSize(listed);
    for (int i = 0; i < StatAhead.TRIGGER; i++) {
      s.missed(DIR, String.format("x%05d", 18_000 + i), USER);
    }
    await(() -> s.listings() == 2);
    assertThat(starts.get(listed)).isEqualTo("x18000");
    assertThat(s.find(DIR, "x18500")).isNotNull();
  }

  @Test
  void listingsOfDirectoriesNotLookedUpAgainGoOnceTooOld() throws Exception {
    StatAhead s = statAhead((dir, user, after) -> page(after, 25));
    listed(s, 1);
    assertThat(s.kept()).isEqualTo(25);
    clock.advanceMillis(StatAhead.MAX_AGE_MS);
    for (int i = 0; i < StatAhead.TRIGGER; i++) {
      s.missed(DIR + 1, "a", USER);
    }
    await(() -> s.listings() == 2);
    assertThat(s.kept()).as("the other directory's listing is gone").isEqualTo(25);
  }

  @Test
  void marksOlderThanEveryListingAreDroppedBeyondTheBoundNotEverything() throws Exception {
    StatAhead s = statAhead((dir, user, after) -> page(after, 5));
    for (int i = 0; i < StatAhead.MAX_MARKS; i++) {
      s.inodesChanged(1_000_000 + i); // before the listing: no listing can be older
    }
    listed(s, 1);
    s.inodesChanged(2_000_000); // one over the bound: the old ones go, the listing stays good
    assertThat(s.find(DIR, "n1")).isNotNull();
    s.inodesChanged(1001);
    assertThat(s.find(DIR, "n1")).as("a mark after the listing still counts").isNull();
  }
}
