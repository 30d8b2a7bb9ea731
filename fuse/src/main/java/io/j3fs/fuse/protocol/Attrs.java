package io.j3fs.fuse.protocol;

import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;

/**
 * fuse_attr, fuse_attr_out and fuse_entry_out from j3fs inodes. Node ids are inode ids, except that
 * the root (inode 0) is FUSE's node 1; allocated inode ids start at 0x1000, so no file can be node
 * 1.
 */
public final class Attrs {
  public static final long FUSE_ROOT_ID = 1;
  public static final int S_IFREG = 0100000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFLNK = 0120000;

  /** Bytes of fuse_attr. */
  public static final int ATTR_BYTES = 88;

  /** Bytes of fuse_entry_out. */
  public static final int ENTRY_BYTES = 40 + ATTR_BYTES;

  private Attrs() {}

  public static long nodeId(long inodeId) {
    return inodeId == 0 ? FUSE_ROOT_ID : inodeId;
  }

  public static long inodeId(long nodeId) {
    return nodeId == FUSE_ROOT_ID ? 0 : nodeId;
  }

  public static int typeBits(InodeType type) {
    return switch (type) {
      case DIRECTORY -> S_IFDIR;
      case SYMLINK -> S_IFLNK;
      default -> S_IFREG;
    };
  }

  /** The d_type of a directory entry (DT_REG 8, DT_DIR 4, DT_LNK 10). */
  public static int direntType(InodeType type) {
    return switch (type) {
      case DIRECTORY -> 4;
      case SYMLINK -> 10;
      default -> 8;
    };
  }

  /** struct fuse_attr; {@code length} overrides the inode's (a length this mount knows better). */
  public static void attr(Reply out, Inode inode, long length) {
    long blockSize =
        inode.getType() == InodeType.FILE && inode.getLayout().getChunkSize() > 0
            ? Math.min(inode.getLayout().getChunkSize(), 1 << 20)
            : 4096;
    out.u64(nodeId(inode.getId()))
        .u64(length)
        .u64((length + 511) / 512)
        .u64(Math.floorDiv(inode.getAtimeNs(), 1_000_000_000L))
        .u64(Math.floorDiv(inode.getMtimeNs(), 1_000_000_000L))
        .u64(Math.floorDiv(inode.getCtimeNs(), 1_000_000_000L))
        .u32(Math.floorMod(inode.getAtimeNs(), 1_000_000_000L))
        .u32(Math.floorMod(inode.getMtimeNs(), 1_000_000_000L))
        .u32(Math.floorMod(inode.getCtimeNs(), 1_000_000_000L))
        .u32(typeBits(inode.getType()) | (inode.getMode() & 07777))
        .u32(inode.getNlink())
        .u32(inode.getUid())
        .u32(inode.getGid())
        .u32(0) // rdev
        .u32(blockSize)
        .u32(0); // flags
  }

  /** struct fuse_attr_out. */
  public static void attrOut(Reply out, Inode inode, long length, long validMs) {
    out.u64(validMs / 1000).u32((validMs % 1000) * 1_000_000).u32(0);
    attr(out, inode, length);
  }

  /** struct fuse_entry_out for a found (or made) inode. */
  public static void entryOut(Reply out, Inode inode, long length, long entryMs, long attrMs) {
    out.u64(nodeId(inode.getId()))
        .u64(0) // generation: inode ids are never reused
        .u64(entryMs / 1000)
        .u64(attrMs / 1000)
        .u32((entryMs % 1000) * 1_000_000)
        .u32((attrMs % 1000) * 1_000_000);
    attr(out, inode, length);
  }

  /** A negative entry (node id 0): the kernel remembers the name is absent for {@code ms}. */
  public static void negativeEntry(Reply out, long ms) {
    out.u64(0).u64(0).u64(ms / 1000).u64(0).u32((ms % 1000) * 1_000_000).u32(0).zeros(ATTR_BYTES);
  }
}
