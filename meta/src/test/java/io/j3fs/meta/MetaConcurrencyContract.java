package io.j3fs.meta;

import static io.j3fs.meta.MetaFixture.ROOT;
import static io.j3fs.meta.MetaFixture.path;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.KvEngine;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.ListReq;
import io.j3fs.proto.meta.RemoveKind;
import io.j3fs.proto.meta.RemoveReq;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Operations racing each other on one engine, then the namespace checker. Randomized tests print
 * their seed; {@code -Dmeta.seed=N} replays one.
 */
public abstract class MetaConcurrencyContract {
  protected MetaFixture m;
  private KvEngine engine;

  protected abstract KvEngine openEngine();

  protected void closeEngine(KvEngine engine) {
    engine.close();
  }

  /** Operations per randomized run (smaller on slower engines). */
  protected int randomOps() {
    return 2_000;
  }

  @BeforeEach
  void open() {
    engine = openEngine();
    m = new MetaFixture(engine);
  }

  @AfterEach
  void close() {
    closeEngine(engine);
  }

  private static long seed(String test) {
    long seed = Long.getLong("meta.seed", System.nanoTime());
    System.out.println(test + " seed " + seed + " (replay with -Dmeta.seed=" + seed + ")");
    return seed;
  }

  @Test
  void parallelCreatesInOneDirectoryAllLand() throws Exception {
    m.mkdir("/many");
    int threads = 16;
    int each = 40;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    m.touch("/many/t" + thread + "-" + i);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    List<String> names = m.ls("/many", 100);
    assertThat(names).hasSize(threads * each).doesNotHaveDuplicates();
    Set<Long> ids = new HashSet<>();
    for (var e :
        m.list
            .run(ListReq.newBuilder().setUser(ROOT).setPath(path("/many")).setLimit(10_000).build())
            .getEntriesList()) {
      ids.add(e.getInodeId());
    }
    assertThat(ids).as("every file its own inode id").hasSize(threads * each);
    assertThat(m.problems()).isEmpty();
  }

  /**
   * Threads keep moving directories among each other at random; some moves would close a loop if
   * two ran on stale views. Serializable transactions must refuse exactly those: no loop, no lost
   * directory.
   */
  @Test
  void concurrentRenameCyclesNeverMakeALoopOrLoseADirectory() throws Exception {
    long seed = seed("concurrentRenameCycles");
    int dirs = 12;
    List<Long> ids = new ArrayList<>();
    for (int d = 0; d < dirs; d++) {
      ids.add(m.mkdir("/d" + d).getId());
    }
    AtomicInteger moved = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Random random = new Random(seed + t);
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 60; i++) {
                    long a = ids.get(random.nextInt(dirs));
                    long b = ids.get(random.nextInt(dirs));
                    try {
                      String src = m.realPath.run(realPath(a)).getPath();
                      String dst =
                          random.nextInt(4) == 0
                              ? "/d" + random.nextInt(dirs) + "x"
                              : m.realPath.run(realPath(b)).getPath() + "/m";
                      m.mv(ROOT, src, dst, 1); // no replacing: every directory must survive
                      moved.incrementAndGet();
                    } catch (StatusException e) {
                      if (e.code() != StatusCode.INVALID_ARGUMENT
                          && e.code() != StatusCode.NOT_FOUND
                          && e.code() != StatusCode.EXISTS
                          && e.code() != StatusCode.NOT_EMPTY) {
                        throw e;
                      }
                      refused.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    assertThat(moved.get()).as("some moves happen").isPositive();
    assertThat(m.problems()).as("seed " + seed).isEmpty();
    for (long id : ids) {
      String where = m.realPath.run(realPath(id)).getPath();
      assertThat(m.stat(where).getId())
          .as("seed %d: directory 0x%x at %s", seed, id, where)
          .isEqualTo(id);
    }
  }

  private static io.j3fs.proto.meta.GetRealPathReq realPath(long id) {
    return io.j3fs.proto.meta.GetRealPathReq.newBuilder()
        .setUser(ROOT)
        .setPath(io.j3fs.proto.meta.PathAt.newBuilder().setParent(id))
        .build();
  }

  /**
   * rmdir and creates inside the same directory race: either the directory goes and no file is left
   * behind in it, or the rmdir fails NOT_EMPTY.
   */
  @Test
  void rmdirRacingCreateNeverOrphansAFile() throws Exception {
    for (int round = 0; round < 30; round++) {
      m.mkdir("/r" + round);
      String dir = "/r" + round;
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<Boolean> rmdir =
            pool.submit(
                () -> {
                  try {
                    m.remove.run(
                        RemoveReq.newBuilder()
                            .setUser(ROOT)
                            .setPath(path(dir))
                            .setKind(RemoveKind.REMOVE_DIRECTORY)
                            .build());
                    return true;
                  } catch (StatusException e) {
                    assertThat(e.code()).isEqualTo(StatusCode.NOT_EMPTY);
                    return false;
                  }
                });
        Future<Boolean> create =
            pool.submit(
                () -> {
                  try {
                    m.touch(dir + "/f");
                    return true;
                  } catch (StatusException e) {
                    assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND);
                    return false;
                  }
                });
        boolean removed = rmdir.get();
        boolean created = create.get();
        assertThat(removed && created).as("round %d: both cannot win", round).isFalse();
      }
    }
    assertThat(m.problems()).isEmpty();
  }

  /**
   * A random mix of every mutating operation from several threads; afterwards the checker finds a
   * consistent namespace and, once the GC ran, storage was asked to remove exactly the files whose
   * last link went.
   */
  @Test
  void randomizedWorkloadKeepsTheNamespaceConsistent() throws Exception {
    long seed = seed("randomizedWorkload");
    String[] dirs = {"/", "/a", "/b", "/a/c"};
    for (String d : dirs) {
      if (!d.equals("/")) {
        m.mkdir(d);
      }
    }
    int threads = 4;
    int ops = randomOps() / threads;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Random random = new Random(seed * 31 + t);
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < ops; i++) {
                    step(random, dirs);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    assertThat(m.problems()).as("seed " + seed).isEmpty();
    m.gc.drain();
    assertThat(m.problems()).as("seed %d after GC", seed).isEmpty();
    Set<Long> live = new HashSet<>();
    var snapshot =
        engine.read(
            tx -> {
              List<Long> out = new ArrayList<>();
              var it =
                  tx.getRange(
                      io.j3fs.meta.store.MetaKeys.inodesBegin(),
                      io.j3fs.meta.store.MetaKeys.inodesEnd());
              while (it.hasNext()) {
                out.add(
                    io.j3fs.meta.store.MetaStore.parse(
                            it.next().value(),
                            "inode",
                            io.j3fs.proto.meta.store.InodeRecord.parser())
                        .getInode()
                        .getId());
              }
              return out;
            });
    live.addAll(snapshot);
    for (long removed : m.storage.removals.keySet()) {
      assertThat(live)
          .as("seed %d: chunks of live inode 0x%x removed", seed, removed)
          .doesNotContain(removed);
    }
    assertThat(
            (boolean)
                engine.<Boolean>read(
                    tx ->
                        tx.getRange(
                                io.j3fs.meta.store.MetaKeys.gcBegin(),
                                io.j3fs.meta.store.MetaKeys.gcEnd())
                            .hasNext()))
        .as("GC queue drained")
        .isFalse();
  }

  private void step(Random random, String[] dirs) {
    String dir = dirs[random.nextInt(dirs.length)];
    String a = (dir.equals("/") ? "" : dir) + "/n" + random.nextInt(8);
    String other = dirs[random.nextInt(dirs.length)];
    String b = (other.equals("/") ? "" : other) + "/n" + random.nextInt(8);
    try {
      switch (random.nextInt(9)) {
        case 0, 1 -> m.touch(a);
        case 2 -> m.mkdir(a);
        case 3 -> m.rm(a);
        case 4 -> m.mv(a, b);
        case 5 ->
            m.hardLink.run(
                io.j3fs.proto.meta.HardLinkReq.newBuilder()
                    .setUser(ROOT)
                    .setOldPath(path(a))
                    .setNewPath(path(b))
                    .build());
        case 6 ->
            m.remove.run(
                RemoveReq.newBuilder().setUser(ROOT).setPath(path(a)).setRecursive(true).build());
        case 7 -> m.mv(ROOT, a, b, 2);
        default -> {
          Inode inode = m.lstat(a);
          assertThat(inode.getType()).isNotEqualTo(InodeType.INODE_TYPE_UNSPECIFIED);
        }
      }
    } catch (StatusException e) {
      switch (e.code()) {
        case NOT_FOUND,
            EXISTS,
            NOT_EMPTY,
            NOT_DIRECTORY,
            IS_DIRECTORY,
            INVALID_ARGUMENT,
            NOT_PERMITTED -> {}
        default -> throw e;
      }
    }
  }
}
