package io.j3fs.fuse.ops;

import io.j3fs.fuse.protocol.Attrs;
import io.j3fs.fuse.protocol.Reply;
import io.j3fs.fuse.protocol.Request;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.Layout;
import io.j3fs.proto.meta.OpenReq;
import io.j3fs.proto.meta.OpenRsp;
import io.j3fs.proto.meta.UserInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The file operations: open, create, read, write, flush, release, fsync, fallocate. Bytes go
 * straight between the kernel and storage through the client's file I/O: a read is one batch read
 * of its chunk pieces (parallel across chains), sent back without a copy; writes are buffered per
 * handle ({@link OpenFile}).
 */
public final class FileOps {
  static final int FOPEN_DIRECT_IO = 1;
  static final int FALLOC_FL_KEEP_SIZE = 1;

  /** Open flags the metadata service acts on: access mode, O_TRUNC, O_APPEND. */
  static final int SERVICE_FLAGS = 03 | 01000 | 02000;

  static final int O_TRUNC = 01000;
  static final int O_ACCMODE = 03;

  /** Bulk parts of one reply, at most (writev's limit is 1024 with the header). */
  static final int MAX_PARTS = 512;

  private final FsContext ctx;

  public FileOps(FsContext ctx) {
    this.ctx = ctx;
  }

  private static Reply openOut(OpenFile file) {
    return new Reply(16).u64(file.fh()).u32(file.direct() ? FOPEN_DIRECT_IO : 0).u32(0);
  }

  public Reply open(Request r) {
    int flags = r.u32("flags");
    r.u32("open flags");
    truncating(r, Attrs.inodeId(r.nodeId()), flags);
    OpenRsp rsp =
        ctx.call(
            "Open",
            OpenReq.newBuilder()
                .setUser(ctx.user(r))
                .setRequest(ctx.newRequest())
                .setPath(FsContext.self(r))
                .setFlags(flags & SERVICE_FLAGS)
                .build(),
            OpenRsp.class);
    return openOut(ctx.files().open(rsp.getInode(), rsp.getSessionId(), flags));
  }

  /**
   * Whether an OPEN neither writes nor truncates, so the service changes nothing for it (it may be
   * declined and run again). Leaves the request's read position where it was.
   */
  public boolean opensReadOnly(Request r) {
    return readOnly(peekFlags(r));
  }

  /** Whether open flags change nothing: read access, no O_TRUNC. */
  static boolean readOnly(int flags) {
    return (flags & (O_ACCMODE | O_TRUNC)) == 0;
  }

  /** An OPEN's or CREATE's flags (the first field of either), read without moving the request. */
  private static int peekFlags(Request r) {
    int flags = r.u32("flags");
    r.rewind();
    return flags;
  }

  /**
   * Whether a CREATE leaves an existing file's bytes alone (no O_TRUNC), so that its one mutation
   * may be tried on the reader's direct links and sent again with the same request id: a cut is
   * done on storage before the service's transaction, and is not one to repeat. Leaves the
   * request's read position where it was.
   */
  public boolean createsWithoutTruncating(Request r) {
    return (peekFlags(r) & O_TRUNC) == 0;
  }

  /**
   * An open with O_TRUNC cuts the file from the length the service has: what this mount buffered
   * for it must be out and reported first, or it would land after the cut.
   */
  private void truncating(Request r, long inodeId, int flags) {
    OpenInode open = ctx.files().inode(inodeId);
    if ((flags & O_TRUNC) != 0 && open != null) {
      ctx.settle(open, ctx.user(r));
    }
  }

  /** create: the entry and the open handle in one reply (fuse_entry_out, then fuse_open_out). */
  public Reply create(Request r) {
    int flags = r.u32("flags");
    int mode = r.u32("mode");
    r.u32("umask");
    r.u32("open flags");
    String name = r.string("name");
    long dir = Attrs.inodeId(r.nodeId());
    UnlinkBehind behind = ctx.unlinkBehind();
    behind.beforeAdding(dir, name);
    OpenFile early =
        behind.createEarly(
            dir, name, mode, ctx.user(r), inode -> ctx.files().openEarly(inode, flags));
    if (early != null) {
      ctx.statAhead().namesChanged(dir, name);
      Reply out = ctx.entry(early.inode());
      out.u64(early.fh()).u32(early.direct() ? FOPEN_DIRECT_IO : 0).u32(0);
      return out;
    }
    CreateRsp rsp;
    try {
      rsp = ctx.createFile(r, name, mode, flags & (SERVICE_FLAGS | 0100 | 0200));
    } catch (RuntimeException e) {
      behind.added(dir, name, null); // it may be there (an answer lost): not known absent
      throw e;
    }
    if (rsp.getCreated()) {
      // (A create that opened what was there leaves the name as listed: it may be a symlink the
      // create followed, whose entry leads to the link and not to the file this answer names.)
      behind.created(dir, name, rsp.getInode(), ctx.user(r));
    }
    OpenFile file = ctx.files().open(rsp.getInode(), rsp.getSessionId(), flags);
    Reply out = ctx.entry(rsp.getInode());
    out.u64(file.fh()).u32(file.direct() ? FOPEN_DIRECT_IO : 0).u32(0);
    return out;
  }

  public Reply read(Request r) {
    ReadOf read = readOf(r);
    if (read.shared().anyDirty()) {
      read.shared().drainAll(); // this mount's buffered bytes are part of what a read must see
    }
    return withData(new Reply(0), read.from(ctx.io()::read));
  }

  /**
   * read's first attempt, without blocking (see {@code FileIo.readFirstAttempt}): the reply once
   * the storage answers, or a failed future where the read needs a retry. Null where it cannot
   * start without blocking: this mount buffered writes to the inode, which must be sent first.
   *
   * @throws Errno.Failure EBADF for an unknown handle
   */
  public CompletableFuture<Reply> readFirstAttempt(Request r) {
    ReadOf read = readOf(r);
    if (read.shared().anyDirty()) {
      return null;
    }
    return read.from(ctx.io()::readFirstAttempt).thenApply(data -> withData(new Reply(0), data));
  }

  /** A read request: the handle's file, and the range asked for. */
  private record ReadOf(OpenFile file, long offset, int size) {
    OpenInode shared() {
      return file.shared();
    }

    /** Calls a FileIo read with this file's inode, layout and the length this mount knows. */
    <T> T from(FileRead<T> io) {
      Inode inode = file.inode();
      return io.read(inode.getId(), inode.getLayout(), shared().length(), offset, size);
    }
  }

  /** One of FileIo's reads: (inode, layout, file length, offset, length). */
  private interface FileRead<T> {
    T read(long inodeId, Layout layout, long fileLength, long offset, int length);
  }

  private ReadOf readOf(Request r) {
    long fh = r.u64("fh");
    long offset = r.u64("offset");
    int size = r.u32("size");
    return new ReadOf(ctx.files().file(fh), offset, Math.max(0, size));
  }

  /**
   * Attaches {@code data} to a reply as native parts without copying; parts on the Java heap (zeros
   * of a hole) are copied to native memory first, as writev needs addresses.
   */
  static Reply withData(Reply out, ByteBuf data) {
    if (data.readableBytes() == 0) {
      data.release();
      return out;
    }
    if (data.nioBufferCount() > MAX_PARTS) {
      // writev takes at most IOV_MAX (1024) parts: one copy beats an EINVAL
      ByteBuf flat = PooledByteBufAllocator.DEFAULT.directBuffer(data.readableBytes());
      flat.writeBytes(data);
      data.release();
      data = flat;
    }
    List<ByteBuf> owned = new ArrayList<>(2);
    owned.add(data);
    ByteBuffer[] buffers = data.nioBuffers();
    MemorySegment[] parts = new MemorySegment[buffers.length];
    for (int i = 0; i < buffers.length; i++) {
      ByteBuffer b = buffers[i];
      if (!b.isDirect()) {
        ByteBuf copy = PooledByteBufAllocator.DEFAULT.directBuffer(b.remaining());
        copy.writeBytes(b.duplicate());
        owned.add(copy);
        b = copy.nioBuffer();
      }
      parts[i] = MemorySegment.ofBuffer(b);
    }
    return out.data(parts, () -> owned.forEach(ByteBuf::release));
  }

  public Reply write(Request r) {
    long fh = r.u64("fh");
    long offset = r.u64("offset");
    int size = r.u32("size");
    r.u32("write flags");
    r.u64("lock owner");
    r.u32("flags");
    r.u32("padding");
    MemorySegment data = r.slice(Integer.toUnsignedLong(size), "data");
    OpenFile file = ctx.files().file(fh);
    if (file.early()) {
      ctx.settleEarly(file); // its create applied, with a write session
    }
    // Bytes another handle of this inode buffered were written earlier: they go first, so a later
    // write of the same range through this handle is not overwritten by them.
    file.shared().drainOthers(file);
    file.write(offset, data);
    return new Reply(8).u32(size).u32(0);
  }

  /**
   * A FLUSH the reader answers itself, or null (the request rewound) for a handler thread: the
   * handle is quiet ({@link OpenFile#quiet}), so flush would send nothing and report nothing. Every
   * close(2) sends one, and most find nothing to do (a read-only open, a file written and flushed).
   */
  public Reply flushIfQuiet(Request r) {
    OpenFile file = ctx.files().find(r.u64("fh"));
    r.rewind();
    return file != null && file.quiet() ? Reply.empty() : null;
  }

  /**
   * A RELEASE the reader answers itself, or null (rewound): a quiet handle goes away at once; its
   * write session, if it has one, ends in the background ({@link FsContext#closeSessionLater}), its
   * length having been reported by the flushes before. Nobody sees a release's outcome.
   */
  public Reply releaseIfQuiet(Request r) {
    OpenFile file = ctx.files().find(r.u64("fh"));
    if (file == null || !file.quiet()) {
      r.rewind();
      return null;
    }
    String session = file.sessionToEnd();
    if (!session.isEmpty() && !ctx.closeSessionLater(file, session, ctx.user(r))) {
      r.rewind();
      return null; // the close queue is full: a handler thread waits for its turn
    }
    ctx.files().release(file);
    return Reply.empty();
  }

  /** flush (every close(2) of a descriptor): buffered bytes out, the length reported. */
  public Reply flush(Request r) {
    OpenFile file = ctx.files().file(r.u64("fh"));
    file.flush();
    report(file, ctx.user(r));
    return Reply.empty();
  }

  /** fsync persists the whole file: every handle's buffered bytes, not only this one's. */
  public Reply fsync(Request r) {
    OpenFile file = ctx.files().file(r.u64("fh"));
    file.flush();
    report(file, ctx.user(r));
    ctx.settle(file.shared(), ctx.user(r));
    return Reply.empty();
  }

  private void report(OpenFile file, UserInfo user) {
    OpenFile.Report report = file.takeReport();
    if (report.unreported()) {
      ctx.reportLength(file.inodeId(), report.length(), user);
    }
  }

  /**
   * release (the last reference to the handle is gone): what is buffered goes out, then the write
   * session ends, even when that send failed (nobody can see a release fail, and a session left
   * open would keep the file from the GC for as long as this client lives).
   */
  public Reply release(Request r) {
    OpenFile file = ctx.files().file(r.u64("fh"));
    RuntimeException failure = null;
    try {
      file.flush();
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      ctx.closeSession(file, ctx.user(r));
    } finally {
      ctx.files().release(file);
    }
    if (failure != null) {
      throw failure;
    }
    return Reply.empty();
  }

  /**
   * fallocate mode 0 (or KEEP_SIZE): j3fs allocates chunks as they are written, so only the length
   * can change.
   */
  public Reply fallocate(Request r) {
    OpenFile file = ctx.files().file(r.u64("fh"));
    long offset = r.u64("offset");
    long length = r.u64("length");
    int mode = r.u32("mode");
    if (mode == FALLOC_FL_KEEP_SIZE) {
      return Reply.empty();
    }
    if (mode != 0) {
      throw new Errno.Failure(
          Errno.EOPNOTSUPP, "fallocate mode " + mode + " is not supported (only 0 and KEEP_SIZE)");
    }
    long end = offset + length;
    if (offset < 0 || length <= 0 || end < 0) {
      throw new Errno.Failure(Errno.EINVAL, "fallocate needs offset >= 0 and length > 0");
    }
    OpenInode shared = file.shared();
    ctx.settle(shared, ctx.user(r));
    // Sync only ever grows the length (a concurrent extension elsewhere is not cut back).
    ctx.reportLength(file.inodeId(), end, ctx.user(r));
    shared.grow(end);
    return Reply.empty();
  }
}
