package io.j3fs.fuse.ops;

import io.j3fs.client.file.FileIo;
import io.j3fs.proto.meta.Inode;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mount's open file and directory handles (FUSE fh numbers) and the per-inode state their files
 * share.
 *
 * <p>Thread-safe.
 */
public final class OpenFiles implements AutoCloseable {
  private final FileIo io;
  private final int bufferBytes;

  /** Bytes in background sends across the mount, at most (the write buffers' memory bound). */
  static final int MOUNT_SEND_BYTES = 256 << 20;

  private final ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
  private final java.util.concurrent.Semaphore sends =
      new java.util.concurrent.Semaphore(OpenFile.sendPermits(MOUNT_SEND_BYTES));
  private final AtomicLong nextFh = new AtomicLong(1);
  private final ConcurrentHashMap<Long, OpenFile> files = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, DirHandle> dirs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, OpenInode> inodes = new ConcurrentHashMap<>();

  public OpenFiles(FileIo io, int bufferBytes) {
    this.io = io;
    this.bufferBytes = bufferBytes;
  }

  /** A handle on a file created early (see {@link OpenFile#markEarly}). */
  public OpenFile openEarly(Inode inode, int flags) {
    OpenFile file = open(inode, "", flags);
    file.markEarly();
    return file;
  }

  /** Registers a handle for {@code inode} as the metadata service opened it. */
  public OpenFile open(Inode inode, String session, int flags) {
    OpenInode shared =
        inodes.compute(
            inode.getId(),
            (id, existing) -> {
              OpenInode s = existing == null ? new OpenInode(id, inode.getLength()) : existing;
              s.opens++;
              return s;
            });
    if ((flags & 01000) != 0) { // O_TRUNC: the service cut the file to the length it returned
      shared.truncated(inode.getLength());
    } else {
      shared.grow(inode.getLength());
    }
    OpenFile file =
        new OpenFile(
            nextFh.getAndIncrement(),
            shared,
            inode,
            session,
            flags,
            io,
            writers,
            bufferBytes,
            sends);
    shared.add(file);
    files.put(file.fh(), file);
    return file;
  }

  /** The handle {@code fh}; EBADF if there is none (a kernel bug or a forged request). */
  public OpenFile file(long fh) {
    OpenFile f = files.get(fh);
    if (f == null) {
      throw new Errno.Failure(Errno.EBADF, "no open file handle " + fh);
    }
    return f;
  }

  /** The handle {@code fh}, or null. */
  public OpenFile find(long fh) {
    return files.get(fh);
  }

  /** Forgets a released handle. */
  public void release(OpenFile file) {
    files.remove(file.fh());
    file.discard();
    inodes.computeIfPresent(
        file.inodeId(),
        (id, shared) -> {
          shared.remove(file);
          return --shared.opens == 0 ? null : shared;
        });
  }

  /** The shared state of an inode open in this mount, or null. */
  public OpenInode inode(long inodeId) {
    return inodes.get(inodeId);
  }

  public DirHandle openDir(long inodeId) {
    DirHandle d = new DirHandle(nextFh.getAndIncrement(), inodeId);
    dirs.put(d.fh(), d);
    return d;
  }

  public DirHandle dir(long fh) {
    DirHandle d = dirs.get(fh);
    if (d == null) {
      throw new Errno.Failure(Errno.EBADF, "no open directory handle " + fh);
    }
    return d;
  }

  public void releaseDir(long fh) {
    dirs.remove(fh);
  }

  /** The open file handles now. */
  public java.util.List<OpenFile> openFiles() {
    return java.util.List.copyOf(files.values());
  }

  @Override
  public void close() {
    files.values().forEach(OpenFile::discard);
    writers.shutdown();
  }
}
