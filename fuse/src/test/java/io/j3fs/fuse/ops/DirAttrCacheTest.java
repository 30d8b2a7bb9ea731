package io.j3fs.fuse.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.time.ManualClock;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import org.junit.jupiter.api.Test;

/**
 * What the directory attribute cache keeps, for how long, and what a change of this mount drops.
 */
class DirAttrCacheTest {
  final ManualClock clock = new ManualClock();
  final DirAttrCache cache = new DirAttrCache(clock, 30_000, 3);

  static Inode dir(long id, int mode) {
    return Inode.newBuilder().setId(id).setType(InodeType.DIRECTORY).setMode(mode).build();
  }

  @Test
  void aDirectoryIsServedForWhatIsLeftOfTheAttributeTimeout() {
    cache.remember(dir(7, 0755), cache.stamp());
    clock.advanceMillis(10_000);
    DirAttrCache.Hit hit = cache.fresh(7);
    assertThat(hit).isNotNull();
    assertThat(hit.inode().getMode()).isEqualTo(0755);
    assertThat(hit.remainingMs()).isEqualTo(20_000);
    clock.advanceMillis(20_000);
    assertThat(cache.fresh(7)).as("past the timeout of its fetch").isNull();
    assertThat(cache.size()).as("dropped once expired").isZero();
  }

  @Test
  void filesAreNotKept() {
    cache.remember(
        Inode.newBuilder().setId(8).setType(InodeType.FILE).setLength(10).build(), cache.stamp());
    assertThat(cache.fresh(8)).isNull();
  }

  @Test
  void aFetchThatOverlappedAChangeIsNotKept() {
    long stamp = cache.stamp(); // a getattr starts its call
    cache.invalidate(9); // a setattr of some directory begins
    cache.remember(dir(7, 0700), stamp); // the getattr's answer may predate the setattr
    assertThat(cache.fresh(7)).isNull();
    cache.remember(dir(7, 0700), cache.stamp());
    assertThat(cache.fresh(7)).isNotNull();
  }

  @Test
  void invalidateAndClearDropWhatTheyName() {
    cache.remember(dir(1, 0755), cache.stamp());
    cache.remember(dir(2, 0755), cache.stamp());
    cache.invalidate(1);
    assertThat(cache.fresh(1)).isNull();
    assertThat(cache.fresh(2)).isNotNull();
    cache.clear();
    assertThat(cache.fresh(2)).isNull();
  }

  @Test
  void itHoldsAtMostItsBoundAndNothingWithoutATimeout() {
    for (long id = 1; id <= 3; id++) {
      cache.remember(dir(id, 0755), cache.stamp());
    }
    assertThat(cache.size()).isEqualTo(3);
    cache.remember(dir(3, 0700), cache.stamp());
    assertThat(cache.size()).as("replacing a kept directory does not start over").isEqualTo(3);
    cache.remember(dir(4, 0755), cache.stamp());
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.fresh(4)).isNotNull();

    DirAttrCache off = new DirAttrCache(clock, 0, 3);
    off.remember(dir(1, 0755), off.stamp());
    assertThat(off.fresh(1)).isNull();
  }
}
