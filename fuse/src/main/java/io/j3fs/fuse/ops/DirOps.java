package io.j3fs.fuse.ops;

import io.j3fs.fuse.protocol.Attrs;
import io.j3fs.fuse.protocol.Reply;
import io.j3fs.fuse.protocol.Request;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.UserInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * opendir, readdir, readdirplus, releasedir, fsyncdir. Opendir lists the first page at once (the
 * listing checks read permission, so a denied opendir fails there, as on a local file system); that
 * is its only metadata call.
 */
public final class DirOps {
  /** Bytes of a fuse_dirent before its name. */
  static final int DIRENT_BYTES = 24;

  private final FsContext ctx;

  public DirOps(FsContext ctx) {
    this.ctx = ctx;
  }

  private ListRsp list(UserInfo user, long inodeId, String after, int limit) {
    ctx.unlinkBehind().flush(inodeId); // a listing shows this mount's unlinks answered early
    return ctx.call("List", FsContext.listing(inodeId, user, after, limit, true), ListRsp.class);
  }

  public Reply opendir(Request r) {
    r.u32("flags");
    r.u32("open flags");
    long inodeId = Attrs.inodeId(r.nodeId());
    UserInfo user = ctx.user(r);
    ListRsp first = list(user, inodeId, "", DirHandle.PAGE);
    DirHandle handle = ctx.files().openDir(inodeId);
    handle.prime(first);
    return new Reply(16).u64(handle.fh()).u32(0).u32(0);
  }

  public Reply readdir(Request r) {
    return read(r, false);
  }

  public Reply readdirplus(Request r) {
    return read(r, true);
  }

  private Reply read(Request r, boolean plus) {
    long fh = r.u64("fh");
    long offset = r.u64("offset");
    int size = r.u32("size");
    DirHandle dir = ctx.files().dir(fh);
    UserInfo user = ctx.user(r);
    Reply out = new Reply(Math.min(size, 64 << 10));
    List<Long> handedOut = new ArrayList<>();
    for (long position = offset; ; position++) {
      String name;
      long ino;
      int type;
      Inode inode = null;
      if (position == 0 || position == 1) {
        name = position == 0 ? "." : "..";
        ino = position == 0 ? dir.inodeId() : dir.parentId(id -> ctx.stat(id).getParent());
        type = Attrs.direntType(InodeType.DIRECTORY);
      } else {
        DirEntry e = dir.at(position, (after, limit) -> list(user, dir.inodeId(), after, limit));
        if (e == null) {
          break;
        }
        if (ctx.unlinkBehind().removing(dir.inodeId(), e.getName())) {
          continue; // unlinked here after this page was listed, its batch not applied yet
        }
        name = e.getName();
        ino = e.getInodeId();
        type = Attrs.direntType(e.getType());
        inode = e.hasInode() ? e.getInode() : null;
      }
      byte[] raw = name.getBytes(StandardCharsets.UTF_8);
      int record = ((plus ? Attrs.ENTRY_BYTES : 0) + DIRENT_BYTES + raw.length + 7) & ~7;
      if (out.bodyBytes() + record > size) {
        break;
      }
      if (plus) {
        if (inode != null) {
          ctx.entryUncounted(out, inode);
          handedOut.add(Attrs.nodeId(inode.getId()));
        } else {
          // "." and "..": no entry, so the kernel takes no reference (node id 0)
          out.zeros(Attrs.ENTRY_BYTES);
        }
      }
      out.u64(Attrs.nodeId(ino)).u64(position + 1).u32(raw.length).u32(type).bytes(raw).align8();
    }
    // Counted only now: a listing that failed halfway sends no entries, so none may count.
    handedOut.forEach(ctx.inodes()::looked);
    return out;
  }

  public Reply releasedir(Request r) {
    ctx.files().releaseDir(r.u64("fh"));
    return Reply.empty();
  }

  /**
   * Directory changes are durable when their transaction commits; what waits is this mount's
   * unlinks answered early (see UnlinkBehind), which are applied first.
   */
  public Reply fsyncdir(Request r) {
    ctx.files().dir(r.u64("fh"));
    ctx.unlinkBehind().sync(Attrs.inodeId(r.nodeId()));
    return Reply.empty();
  }
}
