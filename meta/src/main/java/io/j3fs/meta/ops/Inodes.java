package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.meta.store.PathResolver;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.proto.meta.store.DirEntryRecord;
import io.j3fs.proto.meta.store.InodeRecord;

/** Shared steps of the operations that create and change inodes. */
final class Inodes {
  /** Links one inode may have, at most (3FS keeps nlink in 16 bits). */
  static final int MAX_LINKS = 65_535;

  private Inodes() {}

  /**
   * A new inode owned by the caller in {@code dir}: the group is the directory's when it has setgid
   * (and a new directory inherits the bit), as Linux does.
   */
  static Inode.Builder create(
      MetaContext ctx, long id, InodeType type, int mode, UserInfo user, Inode dir) {
    long now = ctx.nowNs();
    boolean setgidDir = (dir.getMode() & Access.S_ISGID) != 0;
    int bits = mode & 07777;
    if (type == InodeType.DIRECTORY && setgidDir) {
      bits |= Access.S_ISGID;
    }
    return Inode.newBuilder()
        .setId(id)
        .setType(type)
        .setMode(bits)
        .setUid(user.getUid())
        .setGid(setgidDir ? dir.getGid() : user.getGid())
        .setNlink(1)
        .setAtimeNs(now)
        .setMtimeNs(now)
        .setCtimeNs(now);
  }

  /** Checks that the caller may add or remove entries of {@code dir}. */
  static void checkDirWritable(Inode dir, UserInfo user) {
    if (dir.getType() != InodeType.DIRECTORY) {
      throw new StatusException(StatusCode.NOT_DIRECTORY, "the parent is not a directory");
    }
    Access.check(dir, user, Access.WRITE | Access.EXECUTE, "change entries of this directory");
  }

  /** Adds an entry for a new inode and writes both. */
  static void link(Transaction tx, Inode dir, String name, Inode inode) {
    MetaStore.putInode(tx, InodeRecord.newBuilder().setInode(inode).build());
    MetaStore.putEntry(
        tx,
        dir.getId(),
        name,
        DirEntryRecord.newBuilder().setInodeId(inode.getId()).setType(inode.getType()).build());
  }

  /**
   * Drops one link of a non-directory (its entry is removed by the caller). At zero links an inode
   * with nothing outside the store (a symlink, or a file that never held a byte and that no write
   * session holds) is removed at once, in this transaction: the GC would only do the same a moment
   * later in a transaction of its own, and a mass delete of small empty files (a checkpoint's
   * markers, a dataloader's index) paid that second commit per file. Any other inode stays, with
   * nlink 0, queued for the GC, which removes it and its chunks once no write session holds it.
   */
  static void unlinkFile(MetaContext ctx, Transaction tx, InodeRecord record) {
    Inode inode = record.getInode();
    int links = Math.max(0, inode.getNlink() - 1);
    if (links == 0 && collectableAtOnce(ctx, tx, inode)) {
      MetaStore.clearInode(tx, inode.getId());
      return;
    }
    MetaStore.putInode(
        tx,
        record.toBuilder()
            .setInode(inode.toBuilder().setNlink(links).setCtimeNs(ctx.nowNs()))
            .build());
    if (links == 0) {
      MetaStore.enqueueGc(tx, inode.getId(), ctx.nowMs());
    }
  }

  /**
   * Whether an inode losing its last link leaves the GC nothing to do: no delay is configured, and
   * it is a symlink, or a file storage holds nothing of (see {@link MetaStore#mayHoldChunks}) that
   * no write session holds (its sessions are read here, so a session opened concurrently conflicts
   * with this transaction).
   */
  private static boolean collectableAtOnce(MetaContext ctx, Transaction tx, Inode inode) {
    if (ctx.settings().gcDelayMs() > 0) {
      return false;
    }
    return switch (inode.getType()) {
      case SYMLINK -> true;
      case FILE ->
          !MetaStore.mayHoldChunks(inode) && MetaStore.sessions(tx, inode.getId()).isEmpty();
      default -> false;
    };
  }

  /** Removes an empty directory's inode (its entry is removed by the caller). */
  static void removeDirectory(MetaContext ctx, Transaction tx, InodeRecord record) {
    Inode inode = record.getInode();
    MetaStore.putInode(
        tx,
        record.toBuilder().setInode(inode.toBuilder().setNlink(0).setCtimeNs(ctx.nowNs())).build());
    MetaStore.enqueueGc(tx, inode.getId(), ctx.nowMs());
    DirLeases.clear(tx, inode.getId()); // nobody's to hold any more
  }

  /**
   * Where a new entry goes: the path must not exist yet (EXISTS), must end in a valid new name, and
   * its directory must accept entries from the caller.
   */
  static PathResolver.Resolved newEntry(io.j3fs.kv.ReadTransaction tx, UserInfo user, PathAt at) {
    PathResolver.Resolved r = PathResolver.resolve(tx, user, at, false);
    if (r.exists()) {
      throw new StatusException(StatusCode.EXISTS, describe(at) + " exists");
    }
    r.requireName(at.getPath());
    io.j3fs.meta.auth.Names.checkNew(r.name());
    checkDirWritable(r.parent().getInode(), user);
    return r;
  }

  /** Resolves a path and requires that it exists. */
  static InodeRecord existing(
      io.j3fs.kv.ReadTransaction tx, UserInfo user, PathAt at, boolean follow) {
    return PathResolver.resolve(tx, user, at, follow).require(at.getPath());
  }

  static PathAt at(long parent, String path) {
    return PathAt.newBuilder().setParent(parent).setPath(path).build();
  }

  static String describe(PathAt at) {
    return "\"" + at.getPath() + "\"";
  }
}
