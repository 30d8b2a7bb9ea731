package io.j3fs.client.nio;

import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A path in a j3fs file system: '/'-separated names, absolute when it starts with '/'. Pure syntax;
 * nothing here talks to the cluster (the provider does).
 */
final class J3fsPath implements Path {
  private final J3fsFileSystem fs;
  private final boolean absolute;
  private final List<String> names;

  J3fsPath(J3fsFileSystem fs, String path) {
    this.fs = fs;
    this.absolute = path.startsWith("/");
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/")) {
      if (!part.isEmpty()) {
        parts.add(part);
      }
    }
    this.names = List.copyOf(parts);
  }

  private J3fsPath(J3fsFileSystem fs, boolean absolute, List<String> names) {
    this.fs = fs;
    this.absolute = absolute;
    this.names = List.copyOf(names);
  }

  static J3fsPath of(Path path) {
    if (!(path instanceof J3fsPath p)) {
      throw new ProviderMismatchException("not a j3fs path: " + path);
    }
    return p;
  }

  @Override
  public FileSystem getFileSystem() {
    return fs;
  }

  @Override
  public boolean isAbsolute() {
    return absolute;
  }

  @Override
  public Path getRoot() {
    return absolute ? new J3fsPath(fs, true, List.of()) : null;
  }

  @Override
  public Path getFileName() {
    return names.isEmpty() ? null : new J3fsPath(fs, false, List.of(names.getLast()));
  }

  @Override
  public Path getParent() {
    if (names.isEmpty() || (names.size() == 1 && !absolute)) {
      return null;
    }
    return new J3fsPath(fs, absolute, names.subList(0, names.size() - 1));
  }

  @Override
  public int getNameCount() {
    return names.size();
  }

  @Override
  public Path getName(int index) {
    return new J3fsPath(fs, false, List.of(names.get(index)));
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    return new J3fsPath(fs, false, names.subList(beginIndex, endIndex));
  }

  @Override
  public boolean startsWith(Path other) {
    J3fsPath o = of(other);
    return o.absolute == absolute
        && o.names.size() <= names.size()
        && names.subList(0, o.names.size()).equals(o.names);
  }

  @Override
  public boolean endsWith(Path other) {
    J3fsPath o = of(other);
    if (o.absolute) {
      return equals(o);
    }
    return o.names.size() <= names.size()
        && names.subList(names.size() - o.names.size(), names.size()).equals(o.names);
  }

  @Override
  public Path normalize() {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      if (name.equals(".")) {
        continue;
      }
      if (name.equals("..") && !out.isEmpty() && !out.getLast().equals("..")) {
        out.removeLast();
      } else if (!(name.equals("..") && absolute)) {
        out.add(name);
      }
    }
    return new J3fsPath(fs, absolute, out);
  }

  @Override
  public Path resolve(Path other) {
    J3fsPath o = of(other);
    if (o.absolute) {
      return o;
    }
    List<String> out = new ArrayList<>(names);
    out.addAll(o.names);
    return new J3fsPath(fs, absolute, out);
  }

  @Override
  public Path relativize(Path other) {
    J3fsPath o = of(other);
    if (o.absolute != absolute) {
      throw new IllegalArgumentException("one path is absolute and the other is not");
    }
    int common = 0;
    while (common < names.size()
        && common < o.names.size()
        && names.get(common).equals(o.names.get(common))) {
      common++;
    }
    List<String> out = new ArrayList<>();
    for (int i = common; i < names.size(); i++) {
      out.add("..");
    }
    out.addAll(o.names.subList(common, o.names.size()));
    return new J3fsPath(fs, false, out);
  }

  @Override
  public URI toUri() {
    return URI.create(J3fsFileSystemProvider.SCHEME + "://" + fs.authority() + toAbsolutePath());
  }

  @Override
  public Path toAbsolutePath() {
    return absolute ? this : new J3fsPath(fs, true, names);
  }

  @Override
  public Path toRealPath(LinkOption... options) {
    return new J3fsPath(fs, fs.client().realPath(toAbsolutePath().toString()));
  }

  @Override
  public WatchKey register(
      WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("j3fs has no watch service");
  }

  @Override
  public int compareTo(Path other) {
    return toString().compareTo(of(other).toString());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof J3fsPath p && p.fs == fs && p.absolute == absolute && p.names.equals(names);
  }

  @Override
  public int hashCode() {
    return Objects.hash(absolute, names);
  }

  @Override
  public String toString() {
    String joined = String.join("/", names);
    return absolute ? "/" + joined : joined;
  }
}
