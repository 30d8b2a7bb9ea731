package io.j3fs.fuse;

import io.j3fs.fuse.ops.DirOps;
import io.j3fs.fuse.ops.FileOps;
import io.j3fs.fuse.ops.FsContext;
import io.j3fs.fuse.ops.NamespaceOps;
import io.j3fs.fuse.ops.XattrOps;
import io.j3fs.fuse.protocol.Attrs;
import io.j3fs.fuse.protocol.Opcode;
import io.j3fs.fuse.protocol.Reply;
import io.j3fs.fuse.protocol.Request;

/** Opcode to operation: the session's only knowledge of what each request means. */
final class Operations {
  private final FsContext ctx;
  private final NamespaceOps namespace;
  private final FileOps files;
  private final DirOps dirs;
  private final XattrOps xattrs;

  Operations(FsContext ctx) {
    this.ctx = ctx;
    this.namespace = new NamespaceOps(ctx);
    this.files = new FileOps(ctx);
    this.dirs = new DirOps(ctx);
    this.xattrs = new XattrOps(ctx);
  }

  NamespaceOps namespace() {
    return namespace;
  }

  FileOps files() {
    return files;
  }

  /** Operations that change nothing, so an interrupt may cut them short. */
  static boolean readOnly(int opcode) {
    return switch (opcode) {
      case Opcode.LOOKUP,
          Opcode.GETATTR,
          Opcode.READLINK,
          Opcode.READ,
          Opcode.STATFS,
          Opcode.GETXATTR,
          Opcode.LISTXATTR,
          Opcode.OPENDIR,
          Opcode.READDIR,
          Opcode.READDIRPLUS,
          Opcode.ACCESS ->
          true;
      default -> false;
    };
  }

  /**
   * Operations that never need a file created early (or an unlink answered early) to be applied
   * first: the kernel's bookkeeping, and a handle's flush, release and write (a write asks for its
   * file's session itself, see {@code FsContext.settleEarly}). Any other operation on such an inode
   * waits for its batch: the service must know the file before it is asked about it.
   */
  static boolean needsNothingApplied(int opcode) {
    return switch (opcode) {
      case Opcode.FORGET,
          Opcode.BATCH_FORGET,
          Opcode.INTERRUPT,
          Opcode.FLUSH,
          Opcode.RELEASE,
          Opcode.WRITE,
          Opcode.INIT,
          Opcode.DESTROY ->
          true;
      default -> false;
    };
  }

  /** Runs the operation; null for an opcode j3fs does not implement (answered ENOSYS). */
  Reply dispatch(Request r) {
    if (!needsNothingApplied(r.opcode())) {
      ctx.unlinkBehind().beforeUse(Attrs.inodeId(r.nodeId()));
    }
    return switch (r.opcode()) {
      case Opcode.LOOKUP -> namespace.lookup(r);
      case Opcode.GETATTR -> namespace.getattr(r);
      case Opcode.SETATTR -> namespace.setattr(r);
      case Opcode.READLINK -> namespace.readlink(r);
      case Opcode.SYMLINK -> namespace.symlink(r);
      case Opcode.MKNOD -> namespace.mknod(r);
      case Opcode.MKDIR -> namespace.mkdir(r);
      case Opcode.UNLINK -> namespace.unlink(r);
      case Opcode.RMDIR -> namespace.rmdir(r);
      case Opcode.RENAME -> namespace.rename(r);
      case Opcode.RENAME2 -> namespace.rename2(r);
      case Opcode.LINK -> namespace.link(r);
      case Opcode.STATFS -> namespace.statfs(r);
      case Opcode.ACCESS -> namespace.access(r);
      case Opcode.OPEN -> files.open(r);
      case Opcode.CREATE -> files.create(r);
      case Opcode.READ -> files.read(r);
      case Opcode.WRITE -> files.write(r);
      case Opcode.FLUSH -> files.flush(r);
      case Opcode.RELEASE -> files.release(r);
      case Opcode.FSYNC -> files.fsync(r);
      case Opcode.FALLOCATE -> files.fallocate(r);
      case Opcode.OPENDIR -> dirs.opendir(r);
      case Opcode.READDIR -> dirs.readdir(r);
      case Opcode.READDIRPLUS -> dirs.readdirplus(r);
      case Opcode.RELEASEDIR -> dirs.releasedir(r);
      case Opcode.FSYNCDIR -> dirs.fsyncdir(r);
      case Opcode.GETXATTR -> xattrs.getxattr(r);
      case Opcode.LISTXATTR -> xattrs.listxattr(r);
      case Opcode.SETXATTR -> xattrs.setxattr(r);
      case Opcode.REMOVEXATTR -> xattrs.removexattr(r);
      case Opcode.DESTROY -> Reply.empty();
      default -> null;
    };
  }
}
