package io.j3fs.storage.chunk;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chunk data in files: for each size class, {@code filesPerClass} files under {@code
 * dir/class-<bytes>/}; slot s of a class is at offset {@code (s / filesPerClass) * classBytes} of
 * file {@code s % filesPerClass}, so consecutive slots spread over files (3FS keeps 256 files per
 * class). Files grow as slots are used; a freed slot is reused by a later chunk.
 *
 * <p>With {@code directReads}, aligned reads (offset, length and buffer address multiples of {@link
 * #DIRECT_ALIGNMENT}) go through a second channel opened with O_DIRECT, as 3FS reads chunks with
 * aligned direct I/O: random reads then cost the disk, not the page cache, and the cache is left to
 * the clients. Writes stay buffered; the kernel writes back dirty pages of a range before a direct
 * read of it, so a direct read sees every write before it.
 *
 * <p>Thread-safety: FileChannel positional I/O is safe from many threads; channels are opened
 * lazily under a lock.
 */
public final class FileDataStore implements DataStore {
  private static final Logger log = LoggerFactory.getLogger(FileDataStore.class);

  private final Path dir;
  private final int filesPerClass;

  /**
   * The file system holding {@link #dir}, found once: {@link Files#getFileStore} reads the mount
   * table on every call, and slot allocation asks for free space each time a data file grows.
   */
  private final FileStore fileStore;

  /** Offset, length and address alignment of direct reads (the largest common block size). */
  public static final int DIRECT_ALIGNMENT = 4096;

  private final FileChannel[][] channels;
  private final FileChannel[][] directChannels;

  /**
   * A lower bound of each data file's size (files only grow): a region past it asks the file first,
   * since sendfile past the end would cut a frame short.
   */
  private final AtomicLongArray[] knownSizes;

  /** Per data file, a descriptor for {@link PageCacheHints} (-1: none yet or unavailable). */
  private final int[][] hintFds;

  /** Per data file, an O_DIRECT descriptor for io_uring reads (-1: not opened yet). */
  private final int[][] uringFds;

  /** Rings for batches of direct reads, at most {@link #MAX_RINGS} (each has one user). */
  private final LinkedBlockingQueue<IoUring> rings = new LinkedBlockingQueue<>();

  private static final int MAX_RINGS = 4;
  private static final int RING_ENTRIES = 64;
  private int ringCount; // guarded by rings
  private volatile boolean uringUsable = true;
  private final java.util.concurrent.atomic.LongAdder uringReads =
      new java.util.concurrent.atomic.LongAdder();

  private volatile boolean directReads;

  public FileDataStore(Path dir, int filesPerClass) throws IOException {
    this(dir, filesPerClass, false);
  }

  public FileDataStore(Path dir, int filesPerClass, boolean directReads) throws IOException {
    if (filesPerClass < 1 || filesPerClass > 256) {
      throw new IllegalArgumentException("files per class must be 1-256, got " + filesPerClass);
    }
    this.dir = dir;
    this.filesPerClass = filesPerClass;
    this.channels = new FileChannel[SizeClasses.COUNT][filesPerClass];
    this.directChannels = new FileChannel[SizeClasses.COUNT][filesPerClass];
    this.hintFds = new int[SizeClasses.COUNT][filesPerClass];
    this.uringFds = new int[SizeClasses.COUNT][filesPerClass];
    for (int i = 0; i < SizeClasses.COUNT; i++) {
      java.util.Arrays.fill(hintFds[i], -1);
      java.util.Arrays.fill(uringFds[i], -1);
    }
    this.knownSizes = new AtomicLongArray[SizeClasses.COUNT];
    for (int i = 0; i < knownSizes.length; i++) {
      knownSizes[i] = new AtomicLongArray(filesPerClass);
    }
    this.directReads = directReads;
    Files.createDirectories(dir);
    this.fileStore = Files.getFileStore(dir);
  }

  @Override
  public int readAlignment() {
    return directReads ? DIRECT_ALIGNMENT : 1;
  }

  private FileChannel directChannel(int sizeClass, long slot) throws IOException {
    channel(sizeClass, slot); // creates the file
    int file = (int) (slot % filesPerClass);
    FileChannel channel = directChannels[sizeClass][file];
    if (channel == null) {
      synchronized (this) {
        channel = directChannels[sizeClass][file];
        if (channel == null) {
          Path path =
              dir.resolve("class-" + SizeClasses.bytes(sizeClass))
                  .resolve(String.format("%03d.data", file));
          try {
            channel = FileChannel.open(path, StandardOpenOption.READ, directOption());
          } catch (IOException | UnsupportedOperationException e) {
            // The file system has no O_DIRECT (tmpfs, some FUSE and network file systems).
            log.warn(
                "direct reads unavailable under {} ({}); reading through the page cache",
                dir,
                e.toString());
            directReads = false;
            return channel(sizeClass, slot);
          }
          directChannels[sizeClass][file] = channel;
        }
      }
    }
    return channel;
  }

  /**
   * O_DIRECT as an open option: {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} of module
   * jdk.unsupported, looked up at run time because javac flags the compile-time reference as
   * proprietary API (and warnings fail this build).
   */
  private static OpenOption directOption() {
    try {
      return (OpenOption)
          Class.forName("com.sun.nio.file.ExtendedOpenOption").getField("DIRECT").get(null);
    } catch (ReflectiveOperationException e) {
      throw new UnsupportedOperationException("this JDK has no O_DIRECT open option", e);
    }
  }

  private boolean direct(int offset, ByteBuffer dst) {
    return directReads
        && dst.isDirect()
        && offset % DIRECT_ALIGNMENT == 0
        && dst.remaining() % DIRECT_ALIGNMENT == 0
        && dst.alignmentOffset(dst.position(), DIRECT_ALIGNMENT) == 0;
  }

  private FileChannel channel(int sizeClass, long slot) throws IOException {
    int file = (int) (slot % filesPerClass);
    FileChannel channel = channels[sizeClass][file];
    if (channel == null) {
      synchronized (this) {
        channel = channels[sizeClass][file];
        if (channel == null) {
          Path classDir = dir.resolve("class-" + SizeClasses.bytes(sizeClass));
          Files.createDirectories(classDir);
          channel =
              FileChannel.open(
                  classDir.resolve(String.format("%03d.data", file)),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.READ,
                  StandardOpenOption.WRITE);
          channels[sizeClass][file] = channel;
        }
      }
    }
    return channel;
  }

  private long position(int sizeClass, long slot, int offset) {
    return (slot / filesPerClass) * (long) SizeClasses.bytes(sizeClass) + offset;
  }

  @Override
  public void write(int sizeClass, long slot, int offset, ByteBuffer src) throws IOException {
    checkRange(sizeClass, offset, src.remaining());
    FileChannel channel = channel(sizeClass, slot);
    long at = position(sizeClass, slot, offset);
    while (src.hasRemaining()) {
      at += channel.write(src, at);
    }
    knownSizes[sizeClass].accumulateAndGet((int) (slot % filesPerClass), at, Math::max);
  }

  @Override
  public Region region(int sizeClass, long slot, int offset, int count) throws IOException {
    checkRange(sizeClass, offset, count);
    if (directReads) {
      return null; // reads bypass the page cache, which sendfile goes through
    }
    FileChannel channel = channel(sizeClass, slot);
    int file = (int) (slot % filesPerClass);
    long at = position(sizeClass, slot, offset);
    if (at + count > knownSizes[sizeClass].get(file)) {
      long size = channel.size();
      knownSizes[sizeClass].accumulateAndGet(file, size, Math::max);
      if (at + count > size) {
        return null; // never written up to there (reads as zeros)
      }
    }
    int hintFd = hintFds[sizeClass][file];
    if (hintFd < 0 && PageCacheHints.available()) {
      synchronized (this) {
        hintFd = hintFds[sizeClass][file];
        if (hintFd < 0) {
          hintFd = PageCacheHints.open(dataFile(sizeClass, file));
          hintFds[sizeClass][file] = hintFd;
        }
      }
    }
    switch (PageCacheHints.cached(hintFd, at, count)) {
      case 1 -> {}
      case 0 -> {
        // Cold: start one large read of exactly the range, and wait here (the caller's thread,
        // not the event loop that will send it) until its last page has arrived; the pages
        // before it come in the same read, in order.
        PageCacheHints.willNeed(hintFd, at, count);
        channel.read(ByteBuffer.allocate(1), at + count - 1);
      }
      default -> PageCacheHints.willNeed(hintFd, at, count);
    }
    return new Region(channel, at, count);
  }

  private Path dataFile(int sizeClass, int file) {
    return dir.resolve("class-" + SizeClasses.bytes(sizeClass))
        .resolve(String.format("%03d.data", file));
  }

  @Override
  public void read(int sizeClass, long slot, int offset, ByteBuffer dst) throws IOException {
    checkRange(sizeClass, offset, dst.remaining());
    boolean direct = direct(offset, dst);
    FileChannel channel = direct ? directChannel(sizeClass, slot) : channel(sizeClass, slot);
    long at = position(sizeClass, slot, offset);
    while (dst.hasRemaining()) {
      int n = channel.read(dst, at);
      // Past the end of a sparse file, never written: zeros. A direct read stops short only there
      // (and cannot go on from an unaligned position).
      if (n < 0 || (direct && n % DIRECT_ALIGNMENT != 0)) {
        while (dst.hasRemaining()) {
          dst.put((byte) 0);
        }
        return;
      }
      if (n == 0) {
        throw new EOFException("no progress reading slot " + slot);
      }
      at += n;
    }
  }

  @Override
  public void readAll(List<SlotRead> reads) throws IOException {
    IoUring ring = reads.size() > 1 && directReads ? takeRing() : null;
    if (ring == null) {
      DataStore.super.readAll(reads);
      return;
    }
    try {
      int n = reads.size();
      int[] which = new int[n];
      int[] fds = new int[n];
      long[] positions = new long[n];
      long[] addresses = new long[n];
      int[] lengths = new int[n];
      int[] results = new int[n];
      int m = 0;
      for (int i = 0; i < n; i++) {
        SlotRead read = reads.get(i);
        checkRange(read.sizeClass(), read.offset(), read.dst().remaining());
        if (!direct(read.offset(), read.dst())) {
          continue; // unaligned: read on its own below, through the page cache
        }
        which[m] = i;
        try {
          fds[m] = uringFd(read.sizeClass(), read.slot());
        } catch (IOException e) {
          // No O_DIRECT descriptor for io_uring here (tmpfs, some FUSE and network file
          // systems): read one by one, which falls back to the page cache the same way.
          uringUsable = false;
          log.warn(
              "io_uring reads unavailable under {} ({}); direct reads go one by one",
              dir,
              e.toString());
          DataStore.super.readAll(reads);
          return;
        }
        positions[m] = position(read.sizeClass(), read.slot(), read.offset());
        addresses[m] = MemorySegment.ofBuffer(read.dst()).address();
        lengths[m] = read.dst().remaining();
        m++;
      }
      uringReads.add(m);
      try {
        ring.readAll(m, fds, positions, addresses, lengths, results);
      } catch (IOException e) {
        retire(ring);
        ring = null;
        throw e;
      }
      boolean[] done = new boolean[n];
      for (int k = 0; k < m; k++) {
        SlotRead read = reads.get(which[k]);
        ByteBuffer dst = read.dst();
        if (results[k] < 0) {
          // The ring could not do it (EAGAIN, EINTR, or a real error): the ordinary path reads
          // it again and throws if the disk really fails.
          log.debug("io_uring read of slot {} failed with errno {}", read.slot(), -results[k]);
          read(read.sizeClass(), read.slot(), read.offset(), dst);
          done[which[k]] = true;
          continue;
        }
        dst.position(dst.position() + results[k]);
        if (dst.hasRemaining()) {
          // Short: the file ends inside the range (never written there: zeros) or the disk read
          // less; the ordinary path finishes it either way.
          read(read.sizeClass(), read.slot(), read.offset() + results[k], dst);
        }
        done[which[k]] = true;
      }
      for (int i = 0; i < n; i++) {
        if (!done[i]) {
          SlotRead read = reads.get(i);
          read(read.sizeClass(), read.slot(), read.offset(), read.dst());
        }
      }
    } finally {
      if (ring != null) {
        rings.offer(ring);
      }
    }
  }

  /** A ring whose system call failed: closed, so a later batch makes a fresh one. */
  private void retire(IoUring ring) {
    ring.close();
    synchronized (rings) {
      ringCount--;
    }
  }

  /** Reads done through io_uring so far (tests, metrics). */
  public long uringReads() {
    return uringReads.sum();
  }

  /** A ring for one batch: an idle one, a new one while fewer than MAX_RINGS exist, or a wait. */
  private IoUring takeRing() throws IOException {
    if (!uringUsable) {
      return null;
    }
    IoUring ring = rings.poll();
    if (ring != null) {
      return ring;
    }
    synchronized (rings) {
      if (ringCount < MAX_RINGS) {
        ringCount++;
        try {
          return new IoUring(RING_ENTRIES);
        } catch (IOException e) {
          ringCount--;
          uringUsable = false;
          log.warn(
              "io_uring unavailable under {} ({}); direct reads go one by one", dir, e.toString());
          return null;
        }
      }
    }
    try {
      return rings.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for an io_uring");
    }
  }

  private int uringFd(int sizeClass, long slot) throws IOException {
    channel(sizeClass, slot); // creates the file
    int file = (int) (slot % filesPerClass);
    int fd = uringFds[sizeClass][file];
    if (fd < 0) {
      synchronized (this) {
        fd = uringFds[sizeClass][file];
        if (fd < 0) {
          fd = IoUring.openDirect(dataFile(sizeClass, file));
          uringFds[sizeClass][file] = fd;
        }
      }
    }
    return fd;
  }

  private static void checkRange(int sizeClass, int offset, int length) {
    if (offset < 0 || (long) offset + length > SizeClasses.bytes(sizeClass)) {
      throw new IllegalArgumentException(
          "bytes ["
              + offset
              + ", "
              + ((long) offset + length)
              + ") are outside a slot of "
              + SizeClasses.bytes(sizeClass));
    }
  }

  @Override
  public void sync() throws IOException {
    for (FileChannel[] files : channels) {
      for (FileChannel channel : files) {
        if (channel != null) {
          channel.force(false);
        }
      }
    }
  }

  @Override
  public long freeBytes() throws IOException {
    return fileStore.getUsableSpace(); // a statvfs of the directory
  }

  @Override
  public synchronized void close() throws IOException {
    for (IoUring ring = rings.poll(); ring != null; ring = rings.poll()) {
      ring.close();
    }
    for (int c = 0; c < SizeClasses.COUNT; c++) {
      for (int i = 0; i < filesPerClass; i++) {
        PageCacheHints.close(hintFds[c][i]);
        hintFds[c][i] = -1;
        NativeFiles.close(uringFds[c][i]);
        uringFds[c][i] = -1;
      }
    }
    for (FileChannel[] files : directChannels) {
      for (int i = 0; i < files.length; i++) {
        if (files[i] != null) {
          files[i].close();
          files[i] = null;
        }
      }
    }
    for (FileChannel[] files : channels) {
      for (int i = 0; i < files.length; i++) {
        if (files[i] != null) {
          files[i].close();
          files[i] = null;
        }
      }
    }
  }
}
