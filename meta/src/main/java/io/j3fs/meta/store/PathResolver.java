package io.j3fs.meta.store;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.auth.Names;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.proto.meta.store.DirEntryRecord;
import io.j3fs.proto.meta.store.InodeRecord;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Walks a path inside the caller's transaction, as Linux does: every directory passed needs search
 * (execute) permission, "." and ".." are honoured, symlinks in the middle are followed (at most
 * {@link #MAX_SYMLINK_HOPS} in all, then TOO_MANY_SYMLINKS) and the last one only when asked. The
 * reads join the transaction, so a concurrent rename of any directory on the way makes the
 * operation retry instead of acting on a path that no longer exists.
 */
public final class PathResolver {
  public static final int MAX_SYMLINK_HOPS = 40;

  private PathResolver() {}

  /**
   * What a path names. {@code parent} and {@code name} are the directory holding the last component
   * and that component; {@code entry} and {@code inode} are null when it does not exist. A path
   * that names its starting directory itself (empty, ".", "..", "/") has no parent or name.
   */
  public record Resolved(InodeRecord parent, String name, DirEntryRecord entry, InodeRecord inode) {
    public boolean exists() {
      return inode != null;
    }

    /** The inode, or NOT_FOUND naming the path. */
    public InodeRecord require(String path) {
      if (inode == null) {
        throw new StatusException(StatusCode.NOT_FOUND, "\"" + path + "\" does not exist");
      }
      return inode;
    }

    /** Parent and name, or INVALID_ARGUMENT for a path that names a directory itself. */
    public void requireName(String path) {
      if (parent == null) {
        throw StatusException.invalidArgument(
            "\"" + path + "\" names a directory itself, not an entry in one");
      }
    }
  }

  public static Resolved resolve(ReadTransaction tx, UserInfo user, PathAt at, boolean followLast) {
    String path = at.getPath();
    Names.checkPath(path);
    InodeRecord current = MetaStore.requireInode(tx, path.startsWith("/") ? 0 : at.getParent());
    Deque<String> parts = new ArrayDeque<>();
    push(parts, path);
    int hops = 0;
    if (parts.isEmpty()) {
      return new Resolved(null, null, null, current);
    }
    while (!parts.isEmpty()) {
      String part = parts.pollFirst();
      boolean last = parts.isEmpty();
      if (current.getInode().getType() != InodeType.DIRECTORY) {
        throw new StatusException(
            StatusCode.NOT_DIRECTORY, "a component before \"" + part + "\" is not a directory");
      }
      Access.check(current.getInode(), user, Access.EXECUTE, "search this directory");
      if (part.equals("..")) {
        current = MetaStore.requireInode(tx, current.getInode().getParent());
        if (last) {
          return new Resolved(null, null, null, current);
        }
        continue;
      }
      Names.check(part);
      DirEntryRecord entry = MetaStore.entry(tx, current.getInode().getId(), part);
      if (entry == null) {
        if (last) {
          return new Resolved(current, part, null, null);
        }
        throw new StatusException(
            StatusCode.NOT_FOUND, "\"" + part + "\" in \"" + path + "\" does not exist");
      }
      InodeRecord child = MetaStore.inode(tx, entry.getInodeId());
      if (child == null) {
        throw new StatusException(
            StatusCode.INTERNAL,
            String.format(
                "entry \"%s\" points to inode 0x%x, which is gone", part, entry.getInodeId()));
      }
      if (child.getInode().getType() == InodeType.SYMLINK && (!last || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new StatusException(
              StatusCode.TOO_MANY_SYMLINKS,
              "more than " + MAX_SYMLINK_HOPS + " symlinks in \"" + path + "\"");
        }
        String target = child.getInode().getSymlinkTarget();
        if (target.startsWith("/")) {
          current = MetaStore.requireInode(tx, 0);
        }
        Deque<String> spliced = new ArrayDeque<>();
        push(spliced, target);
        while (!spliced.isEmpty()) {
          parts.addFirst(spliced.pollLast());
        }
        if (parts.isEmpty()) {
          return new Resolved(null, null, null, current);
        }
        continue;
      }
      if (last) {
        return new Resolved(current, part, entry, child);
      }
      current = child;
    }
    return new Resolved(null, null, null, current);
  }

  private static void push(Deque<String> parts, String path) {
    for (String part : path.split("/")) {
      if (!part.isEmpty() && !part.equals(".")) {
        parts.addLast(part);
      }
    }
  }
}
