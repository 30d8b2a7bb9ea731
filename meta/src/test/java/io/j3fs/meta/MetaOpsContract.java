package io.j3fs.meta;

import static io.j3fs.meta.MetaFixture.ALICE;
import static io.j3fs.meta.MetaFixture.BOB;
import static io.j3fs.meta.MetaFixture.ROOT;
import static io.j3fs.meta.MetaFixture.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.KvEngine;
import io.j3fs.meta.ops.BatchCloseOp;
import io.j3fs.meta.ops.OpenOp;
import io.j3fs.meta.service.OneAttemptReads;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.BatchCloseReq;
import io.j3fs.proto.meta.BatchCloseRsp;
import io.j3fs.proto.meta.BatchStatReq;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.GetRealPathReq;
import io.j3fs.proto.meta.GetXattrReq;
import io.j3fs.proto.meta.HardLinkReq;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.Layout;
import io.j3fs.proto.meta.LengthHint;
import io.j3fs.proto.meta.ListReq;
import io.j3fs.proto.meta.ListXattrReq;
import io.j3fs.proto.meta.LookupReq;
import io.j3fs.proto.meta.MkdirsReq;
import io.j3fs.proto.meta.OpenReq;
import io.j3fs.proto.meta.PruneSessionReq;
import io.j3fs.proto.meta.ReadLinkReq;
import io.j3fs.proto.meta.RemoveKind;
import io.j3fs.proto.meta.RemoveReq;
import io.j3fs.proto.meta.RemoveXattrReq;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.SetAttrReq;
import io.j3fs.proto.meta.SetLayoutReq;
import io.j3fs.proto.meta.SetXattrReq;
import io.j3fs.proto.meta.SymlinkReq;
import io.j3fs.proto.meta.SyncReq;
import io.j3fs.proto.meta.TruncateReq;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every metadata operation's success and error cases. Runs unchanged on each KV engine (memory,
 * RocksDB, PostgreSQL), which is the point: the namespace is only as correct as the transactions
 * under it.
 */
public abstract class MetaOpsContract {
  static final int O_WRONLY = 01;
  static final int O_RDWR = 02;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_TRUNC = 01000;

  protected MetaFixture m;
  private KvEngine engine;

  protected abstract KvEngine openEngine();

  protected void closeEngine(KvEngine engine) {
    engine.close();
  }

  @BeforeEach
  void open() {
    engine = openEngine();
    m = new MetaFixture(engine);
  }

  @AfterEach
  void close() {
    assertThat(m.problems()).as("namespace checker").isEmpty();
    closeEngine(engine);
  }

  static void fails(StatusCode code, ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(StatusException.class)
        .satisfies(
            e -> assertThat(((StatusException) e).code()).as(e.getMessage()).isEqualTo(code));
  }

  @Test
  void createStatLookupAndList() {
    Inode dir = m.mkdir("/data");
    Inode file = m.touch("/data/a.bin");
    assertThat(file.getType()).isEqualTo(InodeType.FILE);
    assertThat(file.getNlink()).isEqualTo(1);
    assertThat(file.getLayout().getChainsCount()).isEqualTo(4);
    assertThat(file.getLayout().getChunkSize()).isEqualTo(1 << 20);
    assertThat(m.stat("/data/a.bin")).isEqualTo(file);
    assertThat(m.stat("data/./a.bin")).isEqualTo(file);
    assertThat(m.stat("/data/../data/a.bin").getId()).isEqualTo(file.getId());
    assertThat(
            m.lookup
                .run(
                    LookupReq.newBuilder()
                        .setUser(ROOT)
                        .setParent(dir.getId())
                        .setName("a.bin")
                        .build())
                .getInode())
        .isEqualTo(file);
    assertThat(m.ls("/data")).containsExactly("a.bin");
    assertThat(m.stat("/").getId()).isZero();
    fails(StatusCode.NOT_FOUND, () -> m.stat("/data/missing"));
    fails(StatusCode.NOT_FOUND, () -> m.stat("/nope/a"));
    fails(StatusCode.NOT_DIRECTORY, () -> m.stat("/data/a.bin/x"));
  }

  @Test
  void createFlags() {
    CreateRsp first = m.create(ROOT, "/f", 0644, O_CREAT | O_EXCL | O_WRONLY);
    assertThat(first.getCreated()).isTrue();
    assertThat(first.getSessionId()).isNotEmpty();
    fails(StatusCode.EXISTS, () -> m.create(ROOT, "/f", 0644, O_CREAT | O_EXCL));
    CreateRsp again = m.create(ROOT, "/f", 0644, O_CREAT);
    assertThat(again.getCreated()).isFalse();
    assertThat(again.getInode().getId()).isEqualTo(first.getInode().getId());
    assertThat(again.getSessionId()).isEmpty();
    m.mkdir("/d");
    fails(StatusCode.IS_DIRECTORY, () -> m.create(ROOT, "/d", 0644, O_CREAT | O_WRONLY));
    fails(StatusCode.NOT_FOUND, () -> m.create(ROOT, "/nope/f", 0644, O_CREAT));
  }

  @Test
  void truncatingOpensCutStorageFirst() {
    Inode f = m.touch("/f");
    m.storage.written(f.getId(), 5000);
    m.close.run(
        CloseReq.newBuilder()
            .setUser(ROOT)
            .setInodeId(f.getId())
            .setLengthHint(LengthHint.newBuilder().setLength(5000).setExact(true))
            .setWrote(true)
            .build());
    assertThat(m.stat("/f").getLength()).isEqualTo(5000);
    CreateRsp cut = m.create(ROOT, "/f", 0644, O_CREAT | O_TRUNC | O_WRONLY);
    assertThat(cut.getInode().getLength()).isZero();
    assertThat(cut.getInode().getTruncateVersion()).isEqualTo(1);
    assertThat(m.storage.truncatedTo).containsEntry(f.getId(), 0L);
    assertThat(m.storage.lengths.get(f.getId())).isZero();
  }

  @Test
  void openChecksTypeAndPermission() {
    m.touch("/secret");
    m.setAttr.run(
        SetAttrReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setPath(path("/secret"))
            .setMode(0600)
            .build());
    fails(
        StatusCode.PERMISSION_DENIED,
        () -> m.open.run(OpenReq.newBuilder().setUser(ALICE).setPath(path("/secret")).build()));
    assertThat(
            m.open
                .run(OpenReq.newBuilder().setUser(ROOT).setPath(path("/secret")).build())
                .getSessionId())
        .isEmpty();
    String session =
        m.open
            .run(
                OpenReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(m.request())
                    .setPath(path("/secret"))
                    .setFlags(O_RDWR)
                    .build())
            .getSessionId();
    assertThat(session).isNotEmpty();
    m.mkdir("/d");
    fails(
        StatusCode.IS_DIRECTORY,
        () ->
            m.open.run(
                OpenReq.newBuilder().setUser(ROOT).setPath(path("/d")).setFlags(O_WRONLY).build()));
    fails(
        StatusCode.NOT_DIRECTORY,
        () ->
            m.open.run(
                OpenReq.newBuilder()
                    .setUser(ROOT)
                    .setPath(path("/secret"))
                    .setFlags(0200000)
                    .build()));
  }

  @Test
  void aReadOnlyOpenIsAReadTransactionWithTheSameChecks() {
    m.touch("/sample");
    m.setAttr.run(
        SetAttrReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setPath(path("/sample"))
            .setMode(0600)
            .build());
    // Over a store that refuses every write transaction (what meta's event loop reads through):
    // a read-only open still answers, so it commits nothing; a write open or O_TRUNC is refused.
    OpenOp readsOnly = new OpenOp(m.ctx.withKv(new OneAttemptReads(m.ctx.kv())));
    Inode opened =
        readsOnly
            .run(
                OpenReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(m.request())
                    .setPath(path("/sample"))
                    .build())
            .getInode();
    assertThat(opened).isEqualTo(m.stat("/sample"));
    fails(
        StatusCode.PERMISSION_DENIED,
        () ->
            readsOnly.run(
                OpenReq.newBuilder()
                    .setUser(ALICE)
                    .setRequest(m.request())
                    .setPath(path("/sample"))
                    .build()));
    for (int flags : new int[] {O_WRONLY, O_RDWR, O_TRUNC}) {
      assertThat(OpenOp.readOnly(flags)).isFalse();
      assertThatThrownBy(
              () ->
                  readsOnly.run(
                      OpenReq.newBuilder()
                          .setUser(ROOT)
                          .setRequest(m.request())
                          .setPath(path("/sample"))
                          .setFlags(flags)
                          .build()))
          .isInstanceOf(IllegalStateException.class);
    }
    assertThat(OpenOp.readOnly(0)).isTrue();
  }

  @Test
  void namesAreChecked() {
    fails(StatusCode.NAME_TOO_LONG, () -> m.touch("/" + "x".repeat(256)));
    m.touch("/" + "y".repeat(255));
    fails(StatusCode.INVALID_ARGUMENT, () -> m.touch("/a\0b"));
    fails(StatusCode.EXISTS, () -> m.touch("/")); // as open("/", O_CREAT | O_EXCL)
    fails(StatusCode.EXISTS, () -> m.mkdir("/."));
    fails(
        StatusCode.INVALID_ARGUMENT,
        () -> m.lookup.run(LookupReq.newBuilder().setUser(ROOT).setName("a/b").build()));
    fails(StatusCode.NAME_TOO_LONG, () -> m.stat("/" + "z/".repeat(2100)));
  }

  @Test
  void mkdirsAndRemove() {
    fails(StatusCode.NOT_FOUND, () -> m.mkdir("/a/b/c"));
    Inode c =
        m.mkdirs
            .run(
                MkdirsReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(m.request())
                    .setPath(path("/a/b/c"))
                    .setMode(0750)
                    .setRecursive(true)
                    .build())
            .getInode();
    assertThat(c.getMode()).isEqualTo(0750);
    assertThat(m.stat("/a/b").getType()).isEqualTo(InodeType.DIRECTORY);
    assertThat(c.getParent()).isEqualTo(m.stat("/a/b").getId());
    assertThat(c.getName()).isEqualTo("c");
    fails(StatusCode.EXISTS, () -> m.mkdir("/a/b"));
    m.touch("/a/b/c/f");
    fails(StatusCode.NOT_EMPTY, () -> m.rm("/a/b"));
    fails(
        StatusCode.IS_DIRECTORY,
        () ->
            m.remove.run(
                RemoveReq.newBuilder()
                    .setUser(ROOT)
                    .setPath(path("/a/b/c"))
                    .setKind(RemoveKind.REMOVE_FILE)
                    .build()));
    fails(
        StatusCode.NOT_DIRECTORY,
        () ->
            m.remove.run(
                RemoveReq.newBuilder()
                    .setUser(ROOT)
                    .setPath(path("/a/b/c/f"))
                    .setKind(RemoveKind.REMOVE_DIRECTORY)
                    .build()));
    m.rm("/a/b/c/f");
    m.rm("/a/b/c");
    assertThat(m.ls("/a/b")).isEmpty();
    fails(StatusCode.NOT_PERMITTED, () -> m.rm("/"));
    fails(StatusCode.NOT_FOUND, () -> m.rm("/a/b/c"));
  }

  @Test
  void recursiveRemoveDetachesAndTheGcEmptiesTheTree() {
    m.mkdir("/t");
    m.mkdir("/t/x");
    Inode f1 = m.wrote(m.touch("/t/x/f1"), 10);
    Inode f2 = m.wrote(m.touch("/t/f2"), 10);
    m.hardLink.run(
        HardLinkReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setOldPath(path("/t/f2"))
            .setNewPath(path("/kept"))
            .build());
    m.remove.run(
        RemoveReq.newBuilder().setUser(ROOT).setPath(path("/t")).setRecursive(true).build());
    fails(StatusCode.NOT_FOUND, () -> m.stat("/t"));
    m.gc.drain();
    assertThat(m.storage.removals).containsOnlyKeys(f1.getId());
    assertThat(m.stat("/kept").getNlink()).isEqualTo(1);
    assertThat(m.stat("/kept").getId()).isEqualTo(f2.getId());
  }

  @Test
  void symlinksResolveAndLoopsStop() {
    m.mkdir("/real");
    m.touch("/real/f");
    Inode link =
        m.symlink
            .run(
                SymlinkReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(m.request())
                    .setPath(path("/ln"))
                    .setTarget("real")
                    .build())
            .getInode();
    assertThat(link.getType()).isEqualTo(InodeType.SYMLINK);
    assertThat(link.getLength()).isEqualTo(4);
    assertThat(m.stat("/ln/f").getId()).isEqualTo(m.stat("/real/f").getId());
    assertThat(m.lstat("/ln").getType()).isEqualTo(InodeType.SYMLINK);
    assertThat(m.stat("/ln").getType()).isEqualTo(InodeType.DIRECTORY);
    assertThat(
            m.readLink
                .run(ReadLinkReq.newBuilder().setUser(ROOT).setPath(path("/ln")).build())
                .getTarget())
        .isEqualTo("real");
    fails(
        StatusCode.INVALID_ARGUMENT,
        () ->
            m.readLink.run(ReadLinkReq.newBuilder().setUser(ROOT).setPath(path("/real")).build()));
    m.symlink.run(
        SymlinkReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setPath(path("/loop1"))
            .setTarget("/loop2")
            .build());
    m.symlink.run(
        SymlinkReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setPath(path("/loop2"))
            .setTarget("/loop1")
            .build());
    fails(StatusCode.TOO_MANY_SYMLINKS, () -> m.stat("/loop1"));
    m.symlink.run(
        SymlinkReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setPath(path("/abs"))
            .setTarget("/real/f")
            .build());
    assertThat(
            m.realPath
                .run(GetRealPathReq.newBuilder().setUser(ROOT).setPath(path("/ln/f")).build())
                .getPath())
        .isEqualTo("/real/f");
    assertThat(
            m.realPath
                .run(GetRealPathReq.newBuilder().setUser(ROOT).setPath(path("/abs")).build())
                .getPath())
        .isEqualTo("/real/f");
    fails(
        StatusCode.INVALID_ARGUMENT,
        () ->
            m.symlink.run(
                SymlinkReq.newBuilder()
                    .setUser(ROOT)
                    .setPath(path("/empty"))
                    .setTarget("")
                    .build()));
  }

  @Test
  void hardLinksCountAndDirectoriesCannotHaveThem() {
    Inode f = m.touch("/f");
    Inode linked =
        m.hardLink
            .run(
                HardLinkReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(m.request())
                    .setOldPath(path("/f"))
                    .setNewPath(path("/g"))
                    .build())
            .getInode();
    assertThat(linked.getNlink()).isEqualTo(2);
    assertThat(m.stat("/g").getId()).isEqualTo(f.getId());
    m.rm("/f");
    assertThat(m.stat("/g").getNlink()).isEqualTo(1);
    m.gc.drain();
    assertThat(m.storage.removals).isEmpty();
    m.mkdir("/d");
    fails(
        StatusCode.NOT_PERMITTED,
        () ->
            m.hardLink.run(
                HardLinkReq.newBuilder()
                    .setUser(ROOT)
                    .setOldPath(path("/d"))
                    .setNewPath(path("/d2"))
                    .build()));
    fails(
        StatusCode.EXISTS,
        () ->
            m.hardLink.run(
                HardLinkReq.newBuilder()
                    .setUser(ROOT)
                    .setOldPath(path("/g"))
                    .setNewPath(path("/d"))
                    .build()));
  }

  @Test
  void renameMovesReplacesAndRefusesLoops() {
    m.mkdir("/a");
    m.mkdir("/a/b");
    Inode f = m.wrote(m.touch("/a/f"), 10);
    m.mv("/a/f", "/a/b/g");
    assertThat(m.stat("/a/b/g").getId()).isEqualTo(f.getId());
    fails(StatusCode.NOT_FOUND, () -> m.stat("/a/f"));
    Inode h = m.touch("/h");
    m.mv("/h", "/a/b/g"); // replaces g, whose only link goes
    assertThat(m.stat("/a/b/g").getId()).isEqualTo(h.getId());
    m.gc.drain();
    assertThat(m.storage.removals).containsOnlyKeys(f.getId());
    fails(StatusCode.INVALID_ARGUMENT, () -> m.mv("/a", "/a/b/a"));
    fails(StatusCode.INVALID_ARGUMENT, () -> m.mv("/a", "/a/x"));
    Inode moved = m.mv("/a/b", "/b");
    assertThat(moved.getParent()).isZero();
    assertThat(moved.getName()).isEqualTo("b");
    m.mkdir("/e");
    m.touch("/e/x");
    fails(StatusCode.NOT_EMPTY, () -> m.mv("/b", "/e"));
    fails(StatusCode.NOT_DIRECTORY, () -> m.mv("/b", "/e/x"));
    fails(StatusCode.IS_DIRECTORY, () -> m.mv("/e/x", "/b"));
    m.mkdir("/empty");
    m.mv("/b", "/empty");
    assertThat(m.stat("/empty/g").getId()).isEqualTo(h.getId());
    fails(StatusCode.EXISTS, () -> m.mv(ROOT, "/e/x", "/empty/g", 1));
    m.mv(ROOT, "/e/x", "/empty/g", 2); // exchange
    assertThat(m.stat("/e/x").getId()).isEqualTo(h.getId());
    fails(StatusCode.NOT_FOUND, () -> m.mv(ROOT, "/e/x", "/e/none", 2));
    fails(StatusCode.INVALID_ARGUMENT, () -> m.mv(ROOT, "/e/x", "/e/y", 3));
    assertThat(m.mv("/e/x", "/e/x").getId()).isEqualTo(h.getId());
    fails(StatusCode.NOT_PERMITTED, () -> m.mv("/", "/r"));
  }

  @Test
  void exchangingDirectoriesSwapsTheirParents() {
    Inode a = m.mkdir("/a");
    m.mkdir("/x");
    Inode b = m.mkdir("/x/b");
    m.mv(ROOT, "/a", "/x/b", 2);
    assertThat(m.stat("/a").getId()).isEqualTo(b.getId());
    assertThat(m.stat("/a").getParent()).isZero();
    assertThat(m.stat("/x/b").getId()).isEqualTo(a.getId());
    assertThat(m.stat("/x/b").getParent()).isEqualTo(m.stat("/x").getId());
    fails(StatusCode.INVALID_ARGUMENT, () -> m.mv(ROOT, "/x", "/x/b", 2));
  }

  @Test
  void permissionsFollowModeBits() {
    m.mkdir("/pub");
    fails(StatusCode.PERMISSION_DENIED, () -> m.touch(ALICE, "/pub/a"));
    m.setAttr.run(
        SetAttrReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setPath(path("/pub"))
            .setMode(01777)
            .build());
    Inode a = m.touch(ALICE, "/pub/a");
    assertThat(a.getUid()).isEqualTo(1000);
    assertThat(a.getGid()).isEqualTo(1000);
    fails(StatusCode.NOT_PERMITTED, () -> m.rm(BOB, "/pub/a")); // sticky
    fails(StatusCode.NOT_PERMITTED, () -> m.mv(BOB, "/pub/a", "/pub/b", 0));
    m.rm(ALICE, "/pub/a");
    m.mkdir(ROOT, "/closed", 0700);
    fails(StatusCode.PERMISSION_DENIED, () -> m.stat(ALICE, "/closed/x"));
    m.touch("/closed/x");
    assertThat(m.stat(ROOT, "/closed/x").getUid()).isZero();
    Inode mine = m.touch(ALICE, "/pub/mine");
    fails(
        StatusCode.NOT_PERMITTED,
        () ->
            m.setAttr.run(
                SetAttrReq.newBuilder()
                    .setUser(BOB)
                    .setPath(path("/pub/mine"))
                    .setMode(0777)
                    .build()));
    fails(
        StatusCode.NOT_PERMITTED,
        () ->
            m.setAttr.run(
                SetAttrReq.newBuilder()
                    .setUser(ALICE)
                    .setPath(path("/pub/mine"))
                    .setUid(1001)
                    .build()));
    fails(
        StatusCode.NOT_PERMITTED,
        () ->
            m.setAttr.run(
                SetAttrReq.newBuilder()
                    .setUser(ALICE)
                    .setPath(path("/pub/mine"))
                    .setGid(5)
                    .build()));
    Inode chowned =
        m.setAttr
            .run(
                SetAttrReq.newBuilder()
                    .setUser(ROOT)
                    .setPath(path("/pub/mine"))
                    .setUid(1001)
                    .setGid(1001)
                    .build())
            .getInode();
    assertThat(chowned.getUid()).isEqualTo(1001);
    assertThat(chowned.getCtimeNs()).isGreaterThanOrEqualTo(mine.getCtimeNs());
    Inode setgid = m.mkdir(ROOT, "/pub/sg", 02775);
    assertThat(setgid.getMode() & 02000).isNotZero();
    m.setAttr.run(
        SetAttrReq.newBuilder().setUser(ROOT).setPath(path("/pub/sg")).setGid(1000).build());
    Inode inside = m.touch(BOB, "/pub/sg/f");
    assertThat(inside.getGid()).as("setgid directory gives its group").isEqualTo(1000);
  }

  @Test
  void setAttrTimesAndTruncate() {
    m.mkdir(ROOT, "/home", 0777);
    Inode f = m.touch(ALICE, "/home/f");
    Inode timed =
        m.setAttr
            .run(
                SetAttrReq.newBuilder()
                    .setUser(ALICE)
                    .setPath(path("/home/f"))
                    .setAtimeNs(1_000)
                    .setMtimeNs(2_000)
                    .build())
            .getInode();
    assertThat(timed.getAtimeNs()).isEqualTo(1_000);
    assertThat(timed.getMtimeNs()).isEqualTo(2_000);
    fails(
        StatusCode.NOT_PERMITTED,
        () ->
            m.setAttr.run(
                SetAttrReq.newBuilder()
                    .setUser(BOB)
                    .setPath(path("/home/f"))
                    .setMtimeNs(5)
                    .build()));
    m.storage.written(f.getId(), 10_000);
    m.sync.run(
        SyncReq.newBuilder()
            .setUser(ALICE)
            .setInodeId(f.getId())
            .setLengthHint(LengthHint.newBuilder().setLength(3).setExact(false))
            .setWrote(true)
            .build());
    assertThat(m.stat("/home/f").getLength())
        .as("an uncertain hint asks storage")
        .isEqualTo(10_000);
    Inode cut =
        m.setAttr
            .run(
                SetAttrReq.newBuilder()
                    .setUser(ALICE)
                    .setPath(path("/home/f"))
                    .setLength(100)
                    .build())
            .getInode();
    assertThat(cut.getLength()).isEqualTo(100);
    assertThat(m.storage.truncatedTo).containsEntry(f.getId(), 100L);
    Inode grown =
        m.truncate
            .run(
                TruncateReq.newBuilder()
                    .setUser(ALICE)
                    .setInodeId(f.getId())
                    .setLength(1 << 20)
                    .build())
            .getInode();
    assertThat(grown.getLength()).isEqualTo(1 << 20);
    assertThat(grown.getTruncateVersion()).isEqualTo(2);
    fails(
        StatusCode.PERMISSION_DENIED,
        () ->
            m.truncate.run(
                TruncateReq.newBuilder().setUser(BOB).setInodeId(f.getId()).setLength(0).build()));
    m.mkdir("/d");
    fails(
        StatusCode.IS_DIRECTORY,
        () ->
            m.setAttr.run(
                SetAttrReq.newBuilder().setUser(ROOT).setPath(path("/d")).setLength(0).build()));
  }

  @Test
  void closeRecordsTheLengthAndEndsTheSession() {
    CreateRsp created = m.create(ROOT, "/f", 0644, O_CREAT | O_WRONLY);
    long id = created.getInode().getId();
    Inode closed =
        m.close
            .run(
                CloseReq.newBuilder()
                    .setUser(ROOT)
                    .setRequest(m.request())
                    .setInodeId(id)
                    .setSessionId(created.getSessionId())
                    .setLengthHint(LengthHint.newBuilder().setLength(12_345).setExact(true))
                    .setWrote(true)
                    .build())
            .getInode();
    assertThat(closed.getLength()).isEqualTo(12_345);
    assertThat(closed.getMtimeNs()).isGreaterThanOrEqualTo(created.getInode().getMtimeNs());
    Inode smaller =
        m.close
            .run(
                CloseReq.newBuilder()
                    .setUser(ROOT)
                    .setInodeId(id)
                    .setLengthHint(LengthHint.newBuilder().setLength(10).setExact(true))
                    .build())
            .getInode();
    assertThat(smaller.getLength()).as("a hint never shrinks a file").isEqualTo(12_345);
  }

  private CloseReq closing(CreateRsp created, long length) {
    return CloseReq.newBuilder()
        .setUser(ROOT)
        .setRequest(m.request())
        .setInodeId(created.getInode().getId())
        .setSessionId(created.getSessionId())
        .setLengthHint(LengthHint.newBuilder().setLength(length).setExact(true))
        .setWrote(true)
        .build();
  }

  private boolean hasSessions(long inode) {
    return !m.kv.read(tx -> MetaStore.sessions(tx, inode)).isEmpty();
  }

  @Test
  void aBatchCloseEndsEachSessionOnceAndAllOrNothing() {
    CreateRsp a = m.create(ROOT, "/a", 0644, O_CREAT | O_WRONLY);
    CreateRsp b = m.create(ROOT, "/b", 0644, O_CREAT | O_WRONLY);
    BatchCloseReq batch =
        BatchCloseReq.newBuilder().addCloses(closing(a, 100)).addCloses(closing(b, 200)).build();
    BatchCloseRsp rsp = m.batchClose.run(batch);
    assertThat(rsp.getResultsList())
        .extracting(r -> r.getInode().getLength())
        .containsExactly(100L, 200L);
    assertThat(hasSessions(a.getInode().getId())).isFalse();
    assertThat(hasSessions(b.getInode().getId())).isFalse();
    assertThat(m.stat("/b").getLength()).isEqualTo(200);
    assertThat(m.batchClose.run(batch)).as("a retried batch gets the first answers").isEqualTo(rsp);

    CreateRsp c = m.create(ROOT, "/c", 0644, O_CREAT | O_WRONLY);
    CloseReq gone =
        CloseReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setInodeId(0x7fff_0000L)
            .setLengthHint(LengthHint.newBuilder().setLength(1).setExact(true))
            .build();
    fails(
        StatusCode.NOT_FOUND,
        () ->
            m.batchClose.run(
                BatchCloseReq.newBuilder().addCloses(closing(c, 300)).addCloses(gone).build()));
    assertThat(hasSessions(c.getInode().getId())).as("nothing of a failed batch applied").isTrue();
    assertThat(m.stat("/c").getLength()).isZero();

    BatchCloseReq.Builder tooMany = BatchCloseReq.newBuilder();
    for (int i = 0; i <= BatchCloseOp.MAX_CLOSES; i++) {
      tooMany.addCloses(closing(c, i));
    }
    fails(StatusCode.INVALID_ARGUMENT, () -> m.batchClose.run(tooMany.build()));
  }

  /**
   * A GC round runs passes back to back (a mass delete is not reclaimed one batch per interval),
   * and each pass starts where the last stopped, so files still open do not hold back the rest.
   */
  @Test
  void theGcGoesOnBackToBackAndPastFilesStillOpen() {
    for (int i = 0; i < 150; i++) {
      m.wrote(m.touch("/f" + i), 100);
      m.rm("/f" + i);
    }
    assertThat(m.gc.runFor(64, 60_000)).as("one round, three passes").isEqualTo(150);
    assertThat(m.storage.removals).as("each removed from storage").hasSize(150);

    for (int i = 0; i < 30; i++) {
      m.create(ROOT, "/open" + i, 0644, O_CREAT | O_WRONLY); // its session stays open
      m.rm("/open" + i);
    }
    m.wrote(m.touch("/last"), 10);
    m.rm("/last");
    int finished = 0;
    for (int pass = 0; pass < 4 && finished == 0; pass++) {
      finished = m.gc.runOnce(10); // 31 queued: four passes of 10 see every one
    }
    assertThat(finished).as("the one collectable file, whatever its place").isEqualTo(1);

    Inode cut = m.wrote(m.touch("/cut"), 5000);
    CreateRsp reopened = m.create(ROOT, "/cut", 0644, O_CREAT | O_TRUNC | O_WRONLY);
    assertThat(reopened.getInode().getLength()).isZero();
    assertThat(reopened.getInode().getTruncateVersion()).isPositive();
    m.close.run(closing(reopened, 0));
    m.rm("/cut");
    m.storage.removals.clear();
    m.gc.drain();
    assertThat(m.storage.removals)
        .as("a cut file is removed from storage whatever its length")
        .containsKey(cut.getId());
  }

  @Test
  void aLastUnlinkCollectsAtOnceWhatLeavesTheGcNothingToDo() {
    Inode empty = m.touch("/empty");
    m.symlink.run(
        SymlinkReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setPath(path("/link"))
            .setTarget("/empty")
            .build());
    long link = m.lstat("/link").getId();
    Inode full = m.wrote(m.touch("/full"), 100);
    CreateRsp open = m.create(ROOT, "/open", 0644, O_CREAT | O_WRONLY);
    Inode twice = m.touch("/twice");
    m.hardLink.run(
        HardLinkReq.newBuilder()
            .setUser(ROOT)
            .setRequest(m.request())
            .setOldPath(path("/twice"))
            .setNewPath(path("/twice2"))
            .build());
    for (String name : java.util.List.of("/empty", "/link", "/full", "/open", "/twice")) {
      m.rm(name);
    }
    assertThat(inodeExists(empty.getId())).as("an empty file, no session: gone").isFalse();
    assertThat(inodeExists(link)).as("a symlink: gone").isFalse();
    assertThat(inodeExists(full.getId())).as("bytes on storage: the GC's").isTrue();
    assertThat(inodeExists(open.getInode().getId())).as("still open: the GC's").isTrue();
    assertThat(inodeExists(twice.getId())).as("another link left").isTrue();
    assertThat(m.gc.drain()).as("the GC had only the file that held bytes").isEqualTo(1);
    assertThat(m.storage.removals).containsOnlyKeys(full.getId());
  }

  private boolean inodeExists(long id) {
    return m.kv.read(tx -> MetaStore.inode(tx, id)) != null;
  }

  @Test
  void aFileUnlinkedWhileOpenLivesUntilItsLastSessionCloses() {
    CreateRsp created = m.create(ROOT, "/open", 0644, O_CREAT | O_WRONLY);
    long id = created.getInode().getId();
    m.rm("/open");
    fails(StatusCode.NOT_FOUND, () -> m.stat("/open"));
    m.gc.drain();
    assertThat(m.storage.removals).isEmpty();
    Inode stillThere =
        m.sync
            .run(
                SyncReq.newBuilder()
                    .setUser(ROOT)
                    .setInodeId(id)
                    .setLengthHint(LengthHint.newBuilder().setLength(77).setExact(true))
                    .build())
            .getInode();
    assertThat(stillThere.getLength()).isEqualTo(77);
    assertThat(stillThere.getNlink()).isZero();
    // fstat of the open file: a batch stat that asks for unlinked inodes still sees it
    assertThat(
            m.batchStat
                .run(BatchStatReq.newBuilder().setUser(ROOT).addInodeIds(id).build())
                .getResults(0)
                .getStatus())
        .isEqualTo(StatusCode.NOT_FOUND.number());
    assertThat(
            m.batchStat
                .run(
                    BatchStatReq.newBuilder()
                        .setUser(ROOT)
                        .addInodeIds(id)
                        .setIncludeUnlinked(true)
                        .build())
                .getResults(0)
                .getInode()
                .getLength())
        .isEqualTo(77);
    m.close.run(
        CloseReq.newBuilder()
            .setUser(ROOT)
            .setInodeId(id)
            .setSessionId(created.getSessionId())
            .build());
    m.gc.drain();
    assertThat(m.storage.removals).containsOnlyKeys(id);
    assertThat(
            m.batchStat
                .run(BatchStatReq.newBuilder().setUser(ROOT).addInodeIds(id).build())
                .getResults(0)
                .getStatus())
        .isEqualTo(StatusCode.NOT_FOUND.number());
  }

  @Test
  void pruningAClientsSessionsLetsTheGcCollect() {
    CreateRsp created =
        m.create.run(
            CreateReq.newBuilder()
                .setUser(ROOT)
                .setRequest(RequestId.newBuilder().setClientId("gone").setRequestId(1))
                .setPath(path("/f"))
                .setMode(0644)
                .setFlags(O_CREAT | O_WRONLY)
                .build());
    m.storage.written(created.getInode().getId(), 4096); // written, never reported
    m.rm("/f");
    m.gc.drain();
    assertThat(m.storage.removals).isEmpty();
    assertThat(
            m.pruneSession
                .run(PruneSessionReq.newBuilder().setClientId("gone").build())
                .getPruned())
        .isEqualTo(1);
    assertThat(
            m.kv.read(tx -> MetaStore.inode(tx, created.getInode().getId())).getInode().getLength())
        .as("what the client wrote and never reported is in the length")
        .isEqualTo(4096);
    m.gc.drain();
    assertThat(m.storage.removals).containsOnlyKeys(created.getInode().getId());
  }

  @Test
  void aRetriedMutationIsAppliedOnce() {
    RequestId id = m.request();
    CreateReq req =
        CreateReq.newBuilder()
            .setUser(ROOT)
            .setRequest(id)
            .setPath(path("/once"))
            .setMode(0644)
            .setFlags(O_CREAT | O_EXCL)
            .build();
    CreateRsp first = m.create.run(req);
    CreateRsp retry = m.create.run(req);
    assertThat(retry).isEqualTo(first);
    RemoveReq rm =
        RemoveReq.newBuilder().setUser(ROOT).setRequest(m.request()).setPath(path("/once")).build();
    m.remove.run(rm);
    m.remove.run(
        rm); // the retry finds the first answer; without the record it would fail NOT_FOUND
    fails(StatusCode.NOT_FOUND, () -> m.remove.run(rm.toBuilder().setRequest(m.request()).build()));
  }

  @Test
  void listPagesThroughADirectoryInNameOrder() {
    m.mkdir("/big");
    for (int i = 0; i < 250; i++) {
      m.touch(String.format("/big/f%04d", i));
    }
    java.util.List<String> names = m.ls("/big", 7);
    assertThat(names).hasSize(250).isSorted();
    assertThat(names.getFirst()).isEqualTo("f0000");
    var page =
        m.list.run(
            ListReq.newBuilder()
                .setUser(ROOT)
                .setPath(path("/big"))
                .setLimit(3)
                .setWithAttrs(true)
                .build());
    assertThat(page.getEntriesList()).hasSize(3);
    assertThat(page.getMore()).isTrue();
    assertThat(page.getEntries(0).getInode().getType()).isEqualTo(InodeType.FILE);
    fails(
        StatusCode.NOT_DIRECTORY,
        () -> m.list.run(ListReq.newBuilder().setUser(ROOT).setPath(path("/big/f0001")).build()));
    m.mkdir(ROOT, "/noread", 0711);
    fails(
        StatusCode.PERMISSION_DENIED,
        () -> m.list.run(ListReq.newBuilder().setUser(ALICE).setPath(path("/noread")).build()));
  }

  @Test
  void xattrs() {
    m.mkdir(ROOT, "/home", 0777);
    m.touch(ALICE, "/home/x");
    m.setXattr.run(
        SetXattrReq.newBuilder()
            .setUser(ALICE)
            .setPath(path("/home/x"))
            .setName("user.tag")
            .setValue(ByteString.copyFromUtf8("v1"))
            .build());
    assertThat(
            m.getXattr
                .run(
                    GetXattrReq.newBuilder()
                        .setUser(ALICE)
                        .setPath(path("/home/x"))
                        .setName("user.tag")
                        .build())
                .getValue()
                .toStringUtf8())
        .isEqualTo("v1");
    fails(
        StatusCode.EXISTS,
        () ->
            m.setXattr.run(
                SetXattrReq.newBuilder()
                    .setUser(ALICE)
                    .setPath(path("/home/x"))
                    .setName("user.tag")
                    .setFlags(1)
                    .build()));
    fails(
        StatusCode.NO_SUCH_ATTRIBUTE,
        () ->
            m.setXattr.run(
                SetXattrReq.newBuilder()
                    .setUser(ALICE)
                    .setPath(path("/home/x"))
                    .setName("user.new")
                    .setFlags(2)
                    .build()));
    fails(
        StatusCode.PERMISSION_DENIED,
        () ->
            m.setXattr.run(
                SetXattrReq.newBuilder()
                    .setUser(BOB)
                    .setPath(path("/home/x"))
                    .setName("user.b")
                    .build()));
    fails(
        StatusCode.NO_SPACE,
        () ->
            m.setXattr.run(
                SetXattrReq.newBuilder()
                    .setUser(ALICE)
                    .setPath(path("/home/x"))
                    .setName("user.big")
                    .setValue(ByteString.copyFrom(new byte[70_000]))
                    .build()));
    fails(
        StatusCode.INVALID_ARGUMENT,
        () ->
            m.getXattr.run(
                GetXattrReq.newBuilder()
                    .setUser(ALICE)
                    .setPath(path("/home/x"))
                    .setName("plain")
                    .build()));
    assertThat(
            m.listXattr
                .run(ListXattrReq.newBuilder().setUser(BOB).setPath(path("/home/x")).build())
                .getNamesList())
        .containsExactly("user.tag");
    m.removeXattr.run(
        RemoveXattrReq.newBuilder()
            .setUser(ALICE)
            .setPath(path("/home/x"))
            .setName("user.tag")
            .build());
    fails(
        StatusCode.NO_SUCH_ATTRIBUTE,
        () ->
            m.getXattr.run(
                GetXattrReq.newBuilder()
                    .setUser(ALICE)
                    .setPath(path("/home/x"))
                    .setName("user.tag")
                    .build()));
  }

  @Test
  void directoryLayoutsAreInheritedByNewFiles() {
    m.mkdir("/l");
    m.setLayout.run(
        SetLayoutReq.newBuilder()
            .setUser(ROOT)
            .setPath(path("/l"))
            .setLayout(Layout.newBuilder().setChunkSize(4 << 20).setStripeSize(2))
            .build());
    Inode f = m.touch("/l/f");
    assertThat(f.getLayout().getChunkSize()).isEqualTo(4 << 20);
    assertThat(f.getLayout().getChainsCount()).isEqualTo(2);
    assertThat(f.getLayout().getTableVersion()).isEqualTo(3);
    m.mkdir("/l/sub");
    assertThat(m.touch("/l/sub/g").getLayout().getChunkSize()).isEqualTo(4 << 20);
    Inode wide =
        m.create
            .run(
                CreateReq.newBuilder()
                    .setUser(ROOT)
                    .setPath(path("/l/wide"))
                    .setFlags(O_CREAT)
                    .setLayout(Layout.newBuilder().setStripeSize(100))
                    .build())
            .getInode();
    assertThat(wide.getLayout().getChainsCount()).as("at most the table's chains").isEqualTo(8);
    assertThat(wide.getLayout().getChainsList()).doesNotHaveDuplicates();
    fails(
        StatusCode.INVALID_ARGUMENT,
        () ->
            m.setLayout.run(
                SetLayoutReq.newBuilder()
                    .setUser(ROOT)
                    .setPath(path("/l"))
                    .setLayout(Layout.newBuilder().setChunkSize(3 << 20))
                    .build()));
    fails(
        StatusCode.NOT_DIRECTORY,
        () ->
            m.setLayout.run(
                SetLayoutReq.newBuilder()
                    .setUser(ROOT)
                    .setPath(path("/l/f"))
                    .setLayout(Layout.newBuilder())
                    .build()));
  }

  @Test
  void batchStatAnswersEachInode() {
    Inode a = m.touch("/a");
    var rsp =
        m.batchStat.run(
            BatchStatReq.newBuilder()
                .setUser(ROOT)
                .addInodeIds(a.getId())
                .addInodeIds(0x7777777)
                .build());
    assertThat(rsp.getResults(0).getInode()).isEqualTo(a);
    assertThat(rsp.getResults(1).getStatus()).isEqualTo(StatusCode.NOT_FOUND.number());
  }

  @Test
  void statFsWithoutTargetsIsEmpty() {
    var rsp = m.statFs.run(io.j3fs.proto.meta.StatFsReq.getDefaultInstance());
    assertThat(rsp.getCapacityBytes()).isZero();
  }

  @Test
  void statFsReportsTheDisksSpaceAsStorageSaysNow() {
    m.storage.space = new io.j3fs.meta.ChunkStorage.Space(3_000, 600, 2_400);
    var rsp = m.statFs.run(io.j3fs.proto.meta.StatFsReq.getDefaultInstance());
    assertThat(rsp.getCapacityBytes()).isEqualTo(3_000);
    assertThat(rsp.getFreeBytes()).isEqualTo(2_400);
    m.storage.space = new io.j3fs.meta.ChunkStorage.Space(3_000, 900, 2_100);
    assertThat(m.statFs.run(io.j3fs.proto.meta.StatFsReq.getDefaultInstance()).getUsedBytes())
        .isEqualTo(900);
  }
}
