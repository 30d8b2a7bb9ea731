package io.j3fs.client.nio;

import io.j3fs.client.file.J3fsClient;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;

/**
 * One j3fs cluster as a {@link FileSystem} ({@code j3fs://<mgmtd host:port>/}), holding its own
 * client connection until closed.
 */
final class J3fsFileSystem extends FileSystem {
  private final J3fsFileSystemProvider provider;
  private final String authority;
  private final J3fsClient client;
  private volatile boolean open = true;

  J3fsFileSystem(J3fsFileSystemProvider provider, String authority, J3fsClient client) {
    this.provider = provider;
    this.authority = authority;
    this.client = client;
  }

  String authority() {
    return authority;
  }

  J3fsClient client() {
    return client;
  }

  @Override
  public J3fsFileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    if (open) {
      open = false;
      provider.forget(authority);
      client.close();
    }
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    return List.of(new J3fsPath(this, "/"));
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return List.of();
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return Set.of("basic");
  }

  @Override
  public Path getPath(String first, String... more) {
    StringBuilder path = new StringBuilder(first);
    for (String m : more) {
      path.append('/').append(m);
    }
    return new J3fsPath(this, path.toString());
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher matcher = java.nio.file.FileSystems.getDefault().getPathMatcher(syntaxAndPattern);
    return path -> matcher.matches(java.nio.file.Path.of(path.toString()));
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException("j3fs has no user principal lookup");
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("j3fs has no watch service");
  }
}
