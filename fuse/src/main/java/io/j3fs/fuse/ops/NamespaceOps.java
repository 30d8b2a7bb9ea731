package io.j3fs.fuse.ops;

import io.j3fs.client.meta.Permissions;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.fuse.protocol.Attrs;
import io.j3fs.fuse.protocol.Reply;
import io.j3fs.fuse.protocol.Request;
import io.j3fs.proto.meta.HardLinkReq;
import io.j3fs.proto.meta.HardLinkRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.LookupReq;
import io.j3fs.proto.meta.LookupRsp;
import io.j3fs.proto.meta.MkdirsReq;
import io.j3fs.proto.meta.MkdirsRsp;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.ReadLinkReq;
import io.j3fs.proto.meta.ReadLinkRsp;
import io.j3fs.proto.meta.RemoveKind;
import io.j3fs.proto.meta.RemoveReq;
import io.j3fs.proto.meta.RemoveRsp;
import io.j3fs.proto.meta.RenameReq;
import io.j3fs.proto.meta.RenameRsp;
import io.j3fs.proto.meta.SetAttrReq;
import io.j3fs.proto.meta.SetAttrRsp;
import io.j3fs.proto.meta.StatFsReq;
import io.j3fs.proto.meta.StatFsRsp;
import io.j3fs.proto.meta.SymlinkReq;
import io.j3fs.proto.meta.SymlinkRsp;
import io.j3fs.proto.meta.UserInfo;
import java.util.function.Supplier;

/**
 * The namespace operations: lookup, forget, getattr, setattr, readlink, symlink, mknod, mkdir,
 * unlink, rmdir, rename, rename2, link, statfs, access. Each is one metadata call (setattr with a
 * size first sends what this mount buffered for the file).
 */
public final class NamespaceOps {
  static final int FATTR_MODE = 1;
  static final int FATTR_UID = 1 << 1;
  static final int FATTR_GID = 1 << 2;
  static final int FATTR_SIZE = 1 << 3;
  static final int FATTR_ATIME = 1 << 4;
  static final int FATTR_MTIME = 1 << 5;
  static final int FATTR_ATIME_NOW = 1 << 7;
  static final int FATTR_MTIME_NOW = 1 << 8;
  static final int S_IFMT = 0170000;
  static final int RENAME_NOREPLACE = 1;
  static final int RENAME_EXCHANGE = 2;

  private final FsContext ctx;

  public NamespaceOps(FsContext ctx) {
    this.ctx = ctx;
  }

  public Reply lookup(Request r) {
    String name = r.string("name");
    long dir = Attrs.inodeId(r.nodeId());
    UnlinkBehind behind = ctx.unlinkBehind();
    if (behind.removing(dir, name)) {
      return negative(name); // unlinked here, its batch not applied yet
    }
    if (behind.creating(dir, name)) {
      behind.flush(dir); // created here early: the service knows it once its batch is applied
    } else if (behind.knownAbsent(dir, name)) {
      return negative(name); // this mount holds the directory and knows every name in it
    }
    StatAhead.Hit hit = ctx.statAhead().find(dir, name);
    if (hit != null && !ctx.openHere(hit.inode().getId())) {
      // (A file open here goes to the service: this mount's record of its length must only ever
      // grow from fresh answers, never from a listing up to 2 s old.)
      return ctx.entry(hit.inode(), hit.entryMs(), hit.attrMs());
    }
    long stamp = ctx.dirAttrs().stamp();
    try {
      UserInfo user = ctx.user(r);
      Inode inode =
          ctx.call(
                  "Lookup",
                  LookupReq.newBuilder().setUser(user).setParent(dir).setName(name).build(),
                  LookupRsp.class)
              .getInode();
      ctx.dirAttrs().remember(inode, stamp);
      ctx.statAhead().missed(dir, name, user);
      return ctx.entry(inode);
    } catch (StatusException e) {
      if (e.code() == StatusCode.NOT_FOUND) {
        return negative(name);
      }
      throw e;
    }
  }

  /** A name that does not exist: a negative entry the kernel keeps, or ENOENT without one. */
  private Reply negative(String name) {
    long negativeMs = ctx.config().negativeTimeoutMs();
    if (negativeMs == 0) {
      throw new Errno.Failure(Errno.ENOENT, "no entry \"" + name + "\"");
    }
    Reply out = new Reply(Attrs.ENTRY_BYTES);
    Attrs.negativeEntry(out, negativeMs);
    return out;
  }

  public void forget(Request r) {
    ctx.inodes().forget(r.nodeId(), r.u64("nlookup"));
  }

  public void batchForget(Request r) {
    int count = r.u32("count");
    r.u32("dummy");
    for (int i = 0; i < count; i++) {
      long node = r.u64("node id");
      ctx.inodes().forget(node, r.u64("nlookup"));
    }
  }

  public Reply getattr(Request r) {
    return ctx.attrOf(Attrs.inodeId(r.nodeId()));
  }

  public Reply setattr(Request r) {
    ctx.awaitClosesOf(Attrs.inodeId(r.nodeId()));
    ctx.unlinkBehind().attrsChanging(Attrs.inodeId(r.nodeId()));
    int valid = r.u32("valid");
    r.u32("padding");
    r.u64("fh");
    long size = r.u64("size");
    r.u64("lock owner");
    long atime = r.u64("atime");
    long mtime = r.u64("mtime");
    r.u64("ctime");
    int atimeNs = r.u32("atimensec");
    int mtimeNs = r.u32("mtimensec");
    r.u32("ctimensec");
    int mode = r.u32("mode");
    r.u32("unused");
    int uid = r.u32("uid");
    int gid = r.u32("gid");
    long inodeId = Attrs.inodeId(r.nodeId());
    SetAttrReq.Builder req =
        SetAttrReq.newBuilder()
            .setUser(ctx.user(r))
            .setRequest(ctx.newRequest())
            .setPath(FsContext.self(r));
    if ((valid & FATTR_MODE) != 0) {
      req.setMode(mode & 07777);
    }
    if ((valid & FATTR_UID) != 0) {
      req.setUid(uid);
    }
    if ((valid & FATTR_GID) != 0) {
      req.setGid(gid);
    }
    if ((valid & FATTR_ATIME_NOW) != 0) {
      req.setAtimeNs(-1);
    } else if ((valid & FATTR_ATIME) != 0) {
      req.setAtimeNs(atime * 1_000_000_000L + atimeNs);
    }
    if ((valid & FATTR_MTIME_NOW) != 0) {
      req.setMtimeNs(-1);
    } else if ((valid & FATTR_MTIME) != 0) {
      req.setMtimeNs(mtime * 1_000_000_000L + mtimeNs);
    }
    OpenInode open = ctx.files().inode(inodeId);
    if ((valid & FATTR_SIZE) != 0) {
      if (open != null) {
        // The service cuts storage from the length it knows: this mount's writes must be in it.
        ctx.settle(open, ctx.user(r));
      }
      req.setLength(size);
    }
    Inode inode = ctx.dirAttrs().changing(inodeId, () -> setAttr(req, valid));
    if ((valid & FATTR_SIZE) != 0 && open != null) {
      open.truncated(size);
    }
    return ctx.attr(inode);
  }

  private Inode setAttr(SetAttrReq.Builder req, int valid) {
    try {
      return ctx.call("SetAttr", req.build(), SetAttrRsp.class).getInode();
    } catch (StatusException e) {
      boolean explicitTimes =
          (valid & (FATTR_ATIME | FATTR_MTIME)) != 0
              && (valid & (FATTR_ATIME_NOW | FATTR_MTIME_NOW)) == 0;
      if (e.code() != StatusCode.NOT_PERMITTED
          || !ctx.config().writebackCache()
          || !explicitTimes) {
        throw e;
      }
      // With the writeback cache the kernel flushes the times it kept for a writer, as that
      // writer: explicit times only an owner may set. The kernel already refused explicit times
      // to non-owners who asked for them, so this is such a flush: the times become now.
      if (req.hasAtimeNs()) {
        req.setAtimeNs(-1);
      }
      if (req.hasMtimeNs()) {
        req.setMtimeNs(-1);
      }
      return ctx.call("SetAttr", req.setRequest(ctx.newRequest()).build(), SetAttrRsp.class)
          .getInode();
    }
  }

  public Reply readlink(Request r) {
    String target =
        ctx.call(
                "ReadLink",
                ReadLinkReq.newBuilder().setUser(ctx.user(r)).setPath(FsContext.self(r)).build(),
                ReadLinkRsp.class)
            .getTarget();
    return new Reply(target.length()).string(target);
  }

  public Reply symlink(Request r) {
    String name = r.string("name");
    String target = r.string("link target");
    long dir = Attrs.inodeId(r.nodeId());
    ctx.unlinkBehind().beforeAdding(dir, name);
    Inode inode =
        ctx.call(
                "Symlink",
                SymlinkReq.newBuilder()
                    .setUser(ctx.user(r))
                    .setRequest(ctx.newRequest())
                    .setPath(FsContext.child(r, name))
                    .setTarget(target)
                    .build(),
                SymlinkRsp.class)
            .getInode();
    ctx.unlinkBehind().added(dir, name, inode);
    return ctx.entry(inode);
  }

  /** mknod: regular files only (j3fs keeps no device, FIFO or socket nodes). */
  public Reply mknod(Request r) {
    int mode = r.u32("mode");
    r.u32("rdev");
    r.u32("umask");
    r.u32("padding");
    String name = r.string("name");
    if ((mode & S_IFMT) != Attrs.S_IFREG && (mode & S_IFMT) != 0) {
      throw new Errno.Failure(Errno.EPERM, "j3fs holds regular files, directories and symlinks");
    }
    long dir = Attrs.inodeId(r.nodeId());
    ctx.unlinkBehind().beforeAdding(dir, name);
    // O_CREAT | O_EXCL, read-only: no write session to end
    Inode inode = ctx.createFile(r, name, mode, 0100 | 0200).getInode();
    ctx.unlinkBehind().added(dir, name, inode);
    return ctx.entry(inode);
  }

  public Reply mkdir(Request r) {
    int mode = r.u32("mode");
    r.u32("umask");
    String name = r.string("name");
    long dir = Attrs.inodeId(r.nodeId());
    ctx.unlinkBehind().beforeAdding(dir, name);
    Inode inode =
        ctx.call(
                "Mkdirs",
                MkdirsReq.newBuilder()
                    .setUser(ctx.user(r))
                    .setRequest(ctx.newRequest())
                    .setPath(FsContext.child(r, name))
                    .setMode(mode & 07777)
                    .build(),
                MkdirsRsp.class)
            .getInode();
    ctx.unlinkBehind().added(dir, name, inode);
    return ctx.entry(inode);
  }

  public Reply unlink(Request r) {
    return remove(r, RemoveKind.REMOVE_FILE);
  }

  public Reply rmdir(Request r) {
    return remove(r, RemoveKind.REMOVE_DIRECTORY);
  }

  private Reply remove(Request r, RemoveKind kind) {
    String name = r.string("name");
    long dir = Attrs.inodeId(r.nodeId());
    UserInfo user = ctx.user(r);
    UnlinkBehind behind = ctx.unlinkBehind();
    if (kind == RemoveKind.REMOVE_FILE && behind.unlinkEarly(dir, name, user, ctx::openHere)) {
      ctx.statAhead().namesChanged(dir, name); // again when its batch is sent
      return Reply.empty();
    }
    if (kind == RemoveKind.REMOVE_DIRECTORY) {
      behind.flushAll(); // the directory removed may be one whose unlinks still wait: not empty yet
    } else if (behind.creating(dir, name)) {
      // A file created early (open here, or the directory no longer answering early): made
      // first, with the session of a handle open for writing, which keeps it while unlinked.
      behind.flush(dir);
    }
    Supplier<RemoveRsp> call =
        () ->
            ctx.call(
                "Remove",
                RemoveReq.newBuilder()
                    .setUser(user)
                    .setRequest(ctx.newRequest())
                    .setPath(FsContext.child(r, name))
                    .setKind(kind)
                    .build(),
                RemoveRsp.class);
    if (kind == RemoveKind.REMOVE_DIRECTORY) {
      ctx.dirAttrs().changingAny(call); // the removed directory's id is not known here
      behind.removed(dir, name);
    } else {
      call.get(); // entry changes never touch the directory's inode (see DirAttrCache)
      behind.unlinked(dir, name, user);
    }
    return Reply.empty();
  }

  public Reply rename(Request r) {
    long newDir = r.u64("new directory");
    return rename(r, newDir, 0);
  }

  public Reply rename2(Request r) {
    long newDir = r.u64("new directory");
    int flags = r.u32("flags");
    r.u32("padding");
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) {
      throw new Errno.Failure(Errno.EINVAL, "rename flags " + flags + " are not supported");
    }
    return rename(r, newDir, flags);
  }

  private Reply rename(Request r, long newDir, int flags) {
    String from = r.string("old name");
    String to = r.string("new name");
    long fromDir = Attrs.inodeId(r.nodeId());
    // Onto a name whose unlink waits, or a directory emptied by unlinks that wait (its id is not
    // known here): they are applied first.
    // (Files created early are among what waits: a target that is one is made first.)
    ctx.unlinkBehind().flushAll();
    // A moved directory's parent and ctime change, and its id is not known here.
    ctx.dirAttrs()
        .changingAny(
            () ->
                ctx.call(
                    "Rename",
                    RenameReq.newBuilder()
                        .setUser(ctx.user(r))
                        .setRequest(ctx.newRequest())
                        .setSrc(FsContext.child(r, from))
                        .setDst(PathAt.newBuilder().setParent(Attrs.inodeId(newDir)).setPath(to))
                        .setFlags(flags)
                        .build(),
                    RenameRsp.class));
    if ((flags & RENAME_EXCHANGE) != 0) {
      // Both names are still there, each leading to the other's inode (not known here).
      ctx.unlinkBehind().added(fromDir, from, null);
      ctx.unlinkBehind().added(Attrs.inodeId(newDir), to, null);
    } else {
      ctx.unlinkBehind().renamed(fromDir, from, Attrs.inodeId(newDir), to);
    }
    return Reply.empty();
  }

  public Reply link(Request r) {
    long oldNode = r.u64("old node id");
    String name = r.string("new name");
    long dir = Attrs.inodeId(r.nodeId());
    ctx.unlinkBehind().beforeAdding(dir, name);
    ctx.unlinkBehind().beforeUse(Attrs.inodeId(oldNode));
    Inode inode =
        ctx.call(
                "HardLink",
                HardLinkReq.newBuilder()
                    .setUser(ctx.user(r))
                    .setRequest(ctx.newRequest())
                    .setOldPath(PathAt.newBuilder().setParent(Attrs.inodeId(oldNode)))
                    .setNewPath(FsContext.child(r, name))
                    .build(),
                HardLinkRsp.class)
            .getInode();
    ctx.unlinkBehind().added(dir, name, inode);
    return ctx.entry(inode);
  }

  /** struct fuse_kstatfs, in 4 KiB blocks; inodes are not counted by j3fs, so plenty are free. */
  public Reply statfs(Request r) {
    StatFsRsp fs =
        ctx.call("StatFs", StatFsReq.newBuilder().setUser(ctx.user(r)).build(), StatFsRsp.class);
    long block = 4096;
    long files = 1L << 40;
    return new Reply(80)
        .u64(fs.getCapacityBytes() / block)
        .u64(fs.getFreeBytes() / block)
        .u64(fs.getFreeBytes() / block)
        .u64(files)
        .u64(files)
        .u32(block)
        .u32(255)
        .u32(block)
        .u32(0)
        .zeros(24);
  }

  /** access(2): answered here from the inode's mode bits (the service checks each call anyway). */
  public Reply access(Request r) {
    int mask = r.u32("mask");
    Inode inode = ctx.stat(Attrs.inodeId(r.nodeId()));
    UserInfo user = ctx.user(r);
    if ((mask & 7) != 0 && !Permissions.allowed(inode, user, mask & 7)) {
      throw new Errno.Failure(Errno.EACCES, "uid " + user.getUid() + " lacks access " + (mask & 7));
    }
    return Reply.empty();
  }
}
