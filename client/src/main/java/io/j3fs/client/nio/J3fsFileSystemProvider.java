package io.j3fs.client.nio;

import io.j3fs.client.file.J3fsClient;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.Endpoint;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.UserInfo;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code j3fs://<mgmtd host:port>/path} for {@link java.nio.file.Files}: {@code
 * FileSystems.newFileSystem(URI.create("j3fs://127.0.0.1:9000/"), Map.of())}, then paths of that
 * file system work with {@code Files.write}, {@code readAllBytes}, {@code list}, {@code move},
 * {@code delete}, {@code size}, {@code exists} and the rest of the basic attribute view. Failures
 * map to the NIO exceptions Linux would give (NoSuchFile, FileAlreadyExists, DirectoryNotEmpty,
 * NotDirectory, AccessDenied). Acts as root unless the environment map gives {@code uid} and {@code
 * gid}.
 */
public final class J3fsFileSystemProvider extends FileSystemProvider {
  public static final String SCHEME = "j3fs";

  private final Map<String, J3fsFileSystem> systems = new ConcurrentHashMap<>();

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    String authority = authority(uri);
    synchronized (systems) {
      if (systems.containsKey(authority)) {
        throw new FileSystemAlreadyExistsException(authority);
      }
      UserInfo user =
          UserInfo.newBuilder().setUid(idOf(env, "uid")).setGid(idOf(env, "gid")).build();
      J3fsClient client = J3fsClient.connect(List.of(Endpoint.parse(authority)), user);
      J3fsFileSystem fs = new J3fsFileSystem(this, authority, client);
      systems.put(authority, fs);
      return fs;
    }
  }

  private static int idOf(Map<String, ?> env, String key) {
    Object value = env.get(key);
    return value == null ? 0 : Integer.parseInt(String.valueOf(value));
  }

  void forget(String authority) {
    systems.remove(authority);
  }

  private static String authority(URI uri) {
    if (!SCHEME.equals(uri.getScheme()) || uri.getAuthority() == null) {
      throw new IllegalArgumentException("expected j3fs://<mgmtd host:port>/..., got " + uri);
    }
    return uri.getAuthority();
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    J3fsFileSystem fs = systems.get(authority(uri));
    if (fs == null) {
      throw new FileSystemNotFoundException(uri.toString());
    }
    return fs;
  }

  @Override
  public Path getPath(URI uri) {
    return getFileSystem(uri).getPath(uri.getPath().isEmpty() ? "/" : uri.getPath());
  }

  private static J3fsClient client(Path path) {
    return ((J3fsFileSystem) J3fsPath.of(path).getFileSystem()).client();
  }

  private static String abs(Path path) {
    return J3fsPath.of(path).toAbsolutePath().toString();
  }

  /** The NIO exception Linux's errno would become for this status. */
  static IOException translate(StatusException e, Path path, Path other) {
    String p = path.toString();
    String o = other == null ? null : other.toString();
    return switch (e.code()) {
      case NOT_FOUND -> new NoSuchFileException(p, o, e.getMessage());
      case EXISTS -> new FileAlreadyExistsException(o != null ? o : p, null, e.getMessage());
      case NOT_EMPTY -> new DirectoryNotEmptyException(p);
      case NOT_DIRECTORY -> new NotDirectoryException(p);
      case PERMISSION_DENIED, NOT_PERMITTED -> new AccessDeniedException(p, o, e.getMessage());
      default -> new FileSystemException(p, o, e.code() + ": " + e.getMessage());
    };
  }

  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    boolean write =
        options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
    try {
      if (!write) {
        return client(path).newByteChannel(abs(path), false);
      }
      boolean exists = exists(path);
      if (options.contains(StandardOpenOption.CREATE_NEW) && exists) {
        throw new FileAlreadyExistsException(path.toString());
      }
      if (!exists
          && !options.contains(StandardOpenOption.CREATE)
          && !options.contains(StandardOpenOption.CREATE_NEW)) {
        throw new NoSuchFileException(path.toString());
      }
      if (exists && !options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
        // Writing into an existing file without truncating: open it, position at the end for
        // APPEND.
        J3fsClient.J3fsFile file = client(path).open(abs(path), true);
        SeekableByteChannel channel = io.j3fs.client.file.J3fsChannel.of(file, true);
        if (options.contains(StandardOpenOption.APPEND)) {
          channel.position(file.length());
        }
        return channel;
      }
      return client(path).newByteChannel(abs(path), true);
    } catch (StatusException e) {
      throw translate(e, path, null);
    }
  }

  private static boolean exists(Path path) {
    try {
      client(path).stat(abs(path));
      return true;
    } catch (StatusException e) {
      if (e.code() == StatusCode.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(
      Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    List<Path> entries = new ArrayList<>();
    try {
      for (DirEntry e : client(dir).list(abs(dir))) {
        Path child = dir.resolve(e.getName());
        if (filter == null || filter.accept(child)) {
          entries.add(child);
        }
      }
    } catch (StatusException e) {
      throw translate(e, dir, null);
    }
    return new DirectoryStream<>() {
      @Override
      public Iterator<Path> iterator() {
        return entries.iterator();
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    try {
      if (exists(dir)) {
        throw new FileAlreadyExistsException(dir.toString());
      }
      client(dir).mkdir(abs(dir), 0755);
    } catch (StatusException e) {
      throw translate(e, dir, null);
    }
  }

  @Override
  public void delete(Path path) throws IOException {
    try {
      client(path).remove(abs(path), false);
    } catch (StatusException e) {
      throw translate(e, path, null);
    }
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    try (var in = client(source).newInputStream(abs(source));
        var out = client(target).newOutputStream(abs(target))) {
      in.transferTo(out);
    } catch (StatusException e) {
      throw translate(e, source, target);
    }
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    try {
      client(source).rename(abs(source), abs(target));
    } catch (StatusException e) {
      throw translate(e, source, target);
    }
  }

  @Override
  public boolean isSameFile(Path path, Path path2) throws IOException {
    try {
      return client(path).stat(abs(path)).getId() == client(path2).stat(abs(path2)).getId();
    } catch (StatusException e) {
      throw translate(e, path, path2);
    }
  }

  @Override
  public boolean isHidden(Path path) {
    Path name = path.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public FileStore getFileStore(Path path) {
    throw new UnsupportedOperationException("j3fs file stores are not exposed yet");
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    try {
      client(path).stat(abs(path));
    } catch (StatusException e) {
      throw translate(e, path, null);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V extends FileAttributeView> V getFileAttributeView(
      Path path, Class<V> type, LinkOption... options) {
    if (type != BasicFileAttributeView.class) {
      return null;
    }
    return (V)
        new BasicFileAttributeView() {
          @Override
          public String name() {
            return "basic";
          }

          @Override
          public BasicFileAttributes readAttributes() throws IOException {
            return J3fsFileSystemProvider.this.readAttributes(path, BasicFileAttributes.class);
          }

          @Override
          public void setTimes(
              FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) {
            throw new UnsupportedOperationException(
                "setting times through NIO is not supported yet");
          }
        };
  }

  @Override
  @SuppressWarnings("unchecked")
  public <A extends BasicFileAttributes> A readAttributes(
      Path path, Class<A> type, LinkOption... options) throws IOException {
    if (type != BasicFileAttributes.class) {
      throw new UnsupportedOperationException("j3fs has the basic attribute view only");
    }
    Inode inode;
    try {
      inode = client(path).stat(abs(path));
    } catch (StatusException e) {
      throw translate(e, path, null);
    }
    return (A) attributes(inode);
  }

  private static BasicFileAttributes attributes(Inode inode) {
    return new BasicFileAttributes() {
      @Override
      public FileTime lastModifiedTime() {
        return FileTime.from(inode.getMtimeNs(), TimeUnit.NANOSECONDS);
      }

      @Override
      public FileTime lastAccessTime() {
        return FileTime.from(inode.getAtimeNs(), TimeUnit.NANOSECONDS);
      }

      @Override
      public FileTime creationTime() {
        return FileTime.from(inode.getCtimeNs(), TimeUnit.NANOSECONDS);
      }

      @Override
      public boolean isRegularFile() {
        return inode.getType() == InodeType.FILE;
      }

      @Override
      public boolean isDirectory() {
        return inode.getType() == InodeType.DIRECTORY;
      }

      @Override
      public boolean isSymbolicLink() {
        return inode.getType() == InodeType.SYMLINK;
      }

      @Override
      public boolean isOther() {
        return false;
      }

      @Override
      public long size() {
        return inode.getLength();
      }

      @Override
      public Object fileKey() {
        return inode.getId();
      }
    };
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
      throws IOException {
    BasicFileAttributes a = readAttributes(path, BasicFileAttributes.class, options);
    Map<String, Object> out = new HashMap<>();
    out.put("size", a.size());
    out.put("lastModifiedTime", a.lastModifiedTime());
    out.put("lastAccessTime", a.lastAccessTime());
    out.put("creationTime", a.creationTime());
    out.put("isRegularFile", a.isRegularFile());
    out.put("isDirectory", a.isDirectory());
    out.put("isSymbolicLink", a.isSymbolicLink());
    out.put("isOther", a.isOther());
    out.put("fileKey", a.fileKey());
    return out;
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
    throw new UnsupportedOperationException("setting attributes through NIO is not supported yet");
  }
}
