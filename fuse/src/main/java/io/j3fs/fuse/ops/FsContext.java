package io.j3fs.fuse.ops;

import com.google.protobuf.Message;
import io.j3fs.client.file.FileIo;
import io.j3fs.client.meta.CloseBatcher;
import io.j3fs.client.meta.DirectMetaLinks;
import io.j3fs.client.meta.MetaClient;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.fuse.FuseConfig;
import io.j3fs.fuse.protocol.Attrs;
import io.j3fs.fuse.protocol.Reply;
import io.j3fs.fuse.protocol.Request;
import io.j3fs.proto.meta.BatchStatReq;
import io.j3fs.proto.meta.BatchStatRsp;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.HardLinkReq;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.LengthHint;
import io.j3fs.proto.meta.ListReq;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.MkdirsReq;
import io.j3fs.proto.meta.OpenReq;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.RemoveReq;
import io.j3fs.proto.meta.RemoveXattrReq;
import io.j3fs.proto.meta.RenameReq;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.SetAttrReq;
import io.j3fs.proto.meta.SetXattrReq;
import io.j3fs.proto.meta.StatResult;
import io.j3fs.proto.meta.SymlinkReq;
import io.j3fs.proto.meta.SyncReq;
import io.j3fs.proto.meta.SyncRsp;
import io.j3fs.proto.meta.UserInfo;
import java.util.Set;

/**
 * What every FUSE operation works with: the metadata client, file I/O, the mount's settings, the
 * kernel's lookup counts, the open handles, and who is asking.
 *
 * <p>Thread-safe; operations run on virtual threads, many at once.
 */
public final class FsContext {
  private final MetaClient meta;
  private final FileIo io;
  private final FuseConfig config;
  private final InodeTable inodes = new InodeTable();
  private final OpenFiles files;

  /** Inodes with write sessions ending in the background (closeSessionLater), how many each. */
  private final java.util.concurrent.ConcurrentHashMap<Long, Integer> closingLater =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Users users = new Users();
  private final DirAttrCache dirAttrs;
  private final StatAhead statAhead;
  private final UnlinkBehind unlinkBehind;
  private final CloseBatcher closer;

  /** Directories whose attributes {@link DirAttrCache} keeps, at most. */
  static final int DIR_ATTR_ENTRIES = 16_384;

  public FsContext(MetaClient meta, FileIo io, FuseConfig config) {
    this(meta, io, config, Clock.system());
  }

  public FsContext(MetaClient meta, FileIo io, FuseConfig config, Clock clock) {
    this.meta = meta;
    this.io = io;
    this.config = config;
    this.files = new OpenFiles(io, config.writeBufferBytes());
    this.dirAttrs = new DirAttrCache(clock, config.attrTimeoutMs(), DIR_ATTR_ENTRIES);
    // Without default_permissions the kernel leaves the directory's search permission to the
    // metadata service's lookup, which an answer from a listing would skip: no stat-ahead then.
    this.statAhead =
        new StatAhead(
            clock,
            this::listWithAttrs,
            config.defaultPermissions() ? config.entryTimeoutMs() : 0,
            config.attrTimeoutMs());
    this.closer = CloseBatcher.of(meta);
    // Early answers rest on the kernel's own permission checks (default_permissions).
    this.unlinkBehind =
        new UnlinkBehind(
            new LeaseCalls(meta),
            clock,
            UnlinkBehind.Settings.DEFAULT.withLingerMs(config.unlinkBehindLingerMs()),
            config.unlinkBehind() && config.defaultPermissions(),
            config.createBehind(),
            statAhead::namesChanged);
    UnlinkBehindMetrics.register(unlinkBehind);
    unlinkBehind.endSessionsWith(
        (file, session, user) -> {
          if (!closeSessionLater(file, session, user)) {
            // (Marked as any close: a session adopted after its handle's release never wrote
            // today, but nothing here should rest on that.)
            closeMarked(file, session, file.takeReport(), user);
          }
        });
  }

  public UnlinkBehind unlinkBehind() {
    return unlinkBehind;
  }

  public DirAttrCache dirAttrs() {
    return dirAttrs;
  }

  public FuseConfig config() {
    return config;
  }

  public FileIo io() {
    return io;
  }

  public InodeTable inodes() {
    return inodes;
  }

  public OpenFiles files() {
    return files;
  }

  /** The caller of a request, with its supplementary groups. */
  public UserInfo user(Request r) {
    return users.of(r.uid(), r.gid(), r.pid());
  }

  /**
   * A reader thread's own links to the metadata service, for the requests it answers itself
   * (lookups, getattrs, read-only opens, and creates, mkdirs, unlinks and rmdirs); null when the
   * mount is configured without them or its client cannot make them.
   */
  public DirectMetaLinks newDirectLinks() {
    long timeoutMs = config.directMetaTimeoutMs();
    return timeoutMs == 0 ? null : meta.newDirectLinks(timeoutMs, DIRECT_READS, DIRECT_MUTATIONS);
  }

  /**
   * The metadata calls behind lookup, getattr and a read-only open (the reader sends only opens
   * without write access or O_TRUNC this way): none of them changes anything.
   */
  static final Set<String> DIRECT_READS = Set.of("Lookup", "BatchStat", "Open");

  /**
   * The metadata calls behind create (without O_TRUNC), mkdir, unlink and rmdir: one mutation each,
   * sent again with the same request id when declined ({@link #REQUEST_IDS}).
   */
  static final Set<String> DIRECT_MUTATIONS = Set.of("Create", "Mkdirs", "Remove");

  /**
   * Bound while a request runs that may run again after a declined direct attempt: its mutations'
   * request ids then come from there, the same in every run (see {@link MetaRequestIds}).
   */
  public static final ScopedValue<MetaRequestIds> REQUEST_IDS = ScopedValue.newInstance();

  public RequestId newRequest() {
    return REQUEST_IDS.isBound() ? REQUEST_IDS.get().next(meta::newRequest) : meta.newRequest();
  }

  public <T extends Message> T call(String method, Message request, Class<T> type) {
    if (READS.contains(method)
        || (method.equals("Open") && FileOps.readOnly(((OpenReq) request).getFlags()))) {
      return meta.call(method, request, type);
    }
    // Before and after: a listing that overlapped the change is not trusted for what it touched.
    Runnable marks = marksOf(request);
    marks.run();
    try {
      T rsp = meta.call(method, request, type);
      if (rsp instanceof CreateRsp c && c.hasInode()) {
        // Without O_EXCL a create opens what the name leads to, through a symlink too, and may
        // truncate it: that inode's own entry elsewhere (the symlink's target) is marked as well.
        statAhead.inodesChanged(c.getInode().getId());
      }
      return rsp;
    } finally {
      marks.run();
    }
  }

  /**
   * What a mutation touches, to mark for stat-ahead: the names it adds, removes or replaces and
   * their directories, the inodes whose attributes it changes; everything when it reaches further
   * (recursive calls, symlinks followed, paths of several names) or is of a kind not listed here.
   */
  private Runnable marksOf(Message request) {
    return switch (request) {
      case CreateReq r -> () -> markPath(r.getPath());
      case MkdirsReq r -> r.getRecursive() ? statAhead::changed : () -> markPath(r.getPath());
      case SymlinkReq r -> () -> markPath(r.getPath());
      case RemoveReq r -> r.getRecursive() ? statAhead::changed : () -> markPath(r.getPath());
      case RenameReq r ->
          () -> {
            markPath(r.getSrc());
            markPath(r.getDst());
          };
      case HardLinkReq r ->
          () -> {
            markPath(r.getOldPath());
            markPath(r.getNewPath());
          };
      case OpenReq r -> () -> markPath(r.getPath()); // for writing: a session, maybe O_TRUNC
      case SetAttrReq r -> r.getFollow() ? statAhead::changed : () -> markPath(r.getPath());
      case SetXattrReq r -> r.getFollow() ? statAhead::changed : () -> markPath(r.getPath());
      case RemoveXattrReq r -> r.getFollow() ? statAhead::changed : () -> markPath(r.getPath());
      case SyncReq r -> () -> statAhead.inodesChanged(r.getInodeId());
      default -> statAhead::changed;
    };
  }

  /** Marks a path: an inode itself, or one name in a directory, or (several names) everything. */
  private void markPath(PathAt p) {
    if (p.getPath().isEmpty()) {
      statAhead.inodesChanged(p.getParent());
    } else if (p.getPath().indexOf('/') < 0) {
      statAhead.namesChanged(p.getParent(), p.getPath());
    } else {
      statAhead.changed();
    }
  }

  /** Metadata calls that change nothing. */
  static final Set<String> READS =
      Set.of(
          "Lookup",
          "Stat",
          "BatchStat",
          "List",
          "ReadLink",
          "GetXattr",
          "ListXattr",
          "GetRealPath",
          "StatFs");

  public StatAhead statAhead() {
    return statAhead;
  }

  /** Lists one page of a directory with attributes, for {@link StatAhead}. */
  private ListRsp listWithAttrs(long dir, UserInfo user, String after) {
    return meta.call("List", listing(dir, user, after, 0, true), ListRsp.class);
  }

  /**
   * A List request: names of {@code dir} after {@code after}, at most {@code limit} (0: a page).
   */
  static ListReq listing(long dir, UserInfo user, String after, int limit, boolean withAttrs) {
    return ListReq.newBuilder()
        .setUser(user)
        .setPath(PathAt.newBuilder().setParent(dir))
        .setAfter(after)
        .setLimit(limit)
        .setWithAttrs(withAttrs)
        .build();
  }

  /** The inode a request names (its node id), as a path for the metadata service. */
  public static PathAt self(Request r) {
    return PathAt.newBuilder().setParent(Attrs.inodeId(r.nodeId())).build();
  }

  /** A name in the directory a request names. */
  public static PathAt child(Request r, String name) {
    return PathAt.newBuilder().setParent(Attrs.inodeId(r.nodeId())).setPath(name).build();
  }

  /**
   * Creates (or, without O_EXCL, opens) file {@code name} in the directory a request names; a write
   * session comes with it when {@code flags} open it for writing.
   */
  public CreateRsp createFile(Request r, String name, int mode, int flags) {
    return call(
        "Create",
        CreateReq.newBuilder()
            .setUser(user(r))
            .setRequest(newRequest())
            .setPath(child(r, name))
            .setMode(mode & 07777)
            .setFlags(flags)
            .build(),
        CreateRsp.class);
  }

  /**
   * Before a write through a handle on a file created early: its create is applied first, and with
   * it the handle's write session (a create whose handle is open for writing when its batch is
   * built asks for one). ENOENT when the file was not made (its create refused or lost).
   */
  public void settleEarly(OpenFile file) {
    unlinkBehind.beforeUse(file.inodeId());
    if (file.early()) {
      throw new Errno.Failure(
          Errno.ENOENT,
          "file 0x" + Long.toHexString(file.inodeId()) + " created early was not made");
    }
  }

  /** An inode's attributes, without a permission check (getattr needs none). */
  public Inode stat(long inodeId) {
    BatchStatRsp rsp =
        call(
            "BatchStat",
            BatchStatReq.newBuilder()
                .setUser(UserInfo.getDefaultInstance())
                .addInodeIds(inodeId)
                .setIncludeUnlinked(true)
                .build(),
            BatchStatRsp.class);
    StatResult result = rsp.getResults(0);
    if (result.getStatus() != 0) {
      throw new StatusException(StatusCode.fromNumber(result.getStatus()), result.getMessage());
    }
    return result.getInode();
  }

  /**
   * getattr's answer: a directory's attributes this mount sent within the attribute timeout (see
   * {@link DirAttrCache}), else the service's.
   */
  public Reply attrOf(long inodeId) {
    Reply cached = cachedAttr(inodeId);
    if (cached != null) {
      return cached;
    }
    unlinkBehind.beforeUse(inodeId); // another link of it just unlinked here: its count first
    long stamp = dirAttrs.stamp();
    Inode inode = stat(inodeId);
    dirAttrs.remember(inode, stamp);
    return attr(inode);
  }

  /** getattr's answer from {@link DirAttrCache}, or null; never waits for anything. */
  public Reply cachedAttr(long inodeId) {
    DirAttrCache.Hit hit = dirAttrs.fresh(inodeId);
    if (hit == null) {
      return null;
    }
    Reply out = new Reply(16 + Attrs.ATTR_BYTES);
    Attrs.attrOut(out, hit.inode(), hit.inode().getLength(), hit.remainingMs());
    return out;
  }

  /** Whether this mount has the inode open (its length may be ahead of the service's). */
  public boolean openHere(long inodeId) {
    return files.inode(inodeId) != null;
  }

  /** The length to show for an inode: this mount's, while it has the file open and wrote ahead. */
  public long lengthOf(Inode inode) {
    if (inode.getType() != InodeType.FILE) {
      return inode.getLength();
    }
    OpenInode open = files.inode(inode.getId());
    if (open == null) {
      return inode.getLength();
    }
    open.grow(inode.getLength());
    return open.length();
  }

  /**
   * Reports a length this mount wrote up to (exact: the service takes the larger of it and what it
   * has), so metadata calls that work from the recorded length see this mount's writes.
   */
  public void reportLength(long inodeId, long length, UserInfo user) {
    Inode inode =
        call(
                "Sync",
                SyncReq.newBuilder()
                    .setUser(user)
                    .setInodeId(inodeId)
                    .setLengthHint(LengthHint.newBuilder().setLength(length).setExact(true))
                    .setWrote(true)
                    .build(),
                SyncRsp.class)
            .getInode();
    OpenInode open = files.inode(inodeId);
    if (open != null) {
      open.grow(inode.getLength());
    }
  }

  /**
   * Before a call that cuts or extends a file from its recorded length (truncate, fallocate): every
   * handle's buffered bytes go out and the furthest unreported write is reported.
   */
  public void settle(OpenInode open, UserInfo user) {
    open.drainAll();
    long furthest = -1;
    for (OpenFile handle : open.handles()) {
      OpenFile.Report report = handle.takeReport();
      if (report.unreported()) {
        furthest = Math.max(furthest, report.length());
      }
    }
    if (furthest >= 0) {
      reportLength(open.inodeId(), furthest, user);
    }
  }

  /**
   * Ends a write session: the handle's length reported exact, mtime set when it wrote. Sessions
   * ended at about the same time share one commit ({@link CloseBatcher}).
   */
  public void closeSession(OpenFile file, UserInfo user) {
    OpenFile.Report report = file.takeReport();
    String session = file.sessionToEnd();
    if (session.isEmpty()) {
      return;
    }
    closeMarked(file, session, report, user);
  }

  /**
   * Ends a session and waits for it; stat-ahead marks the inode before and after (the close may set
   * its mtime and length).
   */
  private void closeMarked(OpenFile file, String session, OpenFile.Report report, UserInfo user) {
    statAhead.inodesChanged(file.inodeId());
    try {
      closer.close(closing(file, session, report, user));
    } finally {
      statAhead.inodesChanged(file.inodeId());
    }
  }

  /**
   * Ends a quiet handle's write session without waiting (a reader answering its release): its
   * length was reported already, so the close only ends the session, and nobody sees its outcome.
   * False, with nothing done, when the close queue is full (end it the waiting way then).
   */
  public boolean closeSessionLater(OpenFile file, UserInfo user) {
    return closeSessionLater(file, file.sessionToEnd(), user);
  }

  /** {@link #closeSessionLater(OpenFile, UserInfo)} of {@code session}, adopted by {@code file}. */
  boolean closeSessionLater(OpenFile file, String session, UserInfo user) {
    long inode = file.inodeId();
    OpenFile.Report report = file.takeReport();
    // A close of a handle that wrote sets the mtime (and the length it reports): stat-ahead marks
    // the inode before and again once it is applied. One that did not write changes nothing a
    // listing shows (the length it reports is what this mount knew, where the service takes the
    // larger; a longer one comes from a handle that wrote, whose close or open marks it).
    Runnable mark = report.wrote() ? () -> statAhead.inodesChanged(inode) : () -> {};
    mark.run();
    closingLater.merge(inode, 1, Integer::sum);
    boolean queued =
        closer.closeLater(
            closing(file, session, report, user),
            () -> {
              closingLater.computeIfPresent(inode, (id, n) -> n > 1 ? n - 1 : null);
              mark.run();
            });
    if (!queued) {
      closingLater.computeIfPresent(inode, (id, n) -> n > 1 ? n - 1 : null);
    }
    return queued;
  }

  /**
   * Before a change of {@code inodeId}'s attributes: a write session of it still ending in the
   * background ends first. Its close sets the mtime of the write, which must not land after an
   * explicit one (utime after close, as cp -p, rsync -t and tar do).
   */
  public void awaitClosesOf(long inodeId) {
    if (closingLater.isEmpty() || !closingLater.containsKey(inodeId)) {
      return;
    }
    try {
      closer.awaitIdle(CLOSE_LATER_WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private CloseReq closing(OpenFile file, String session, OpenFile.Report report, UserInfo user) {
    return CloseReq.newBuilder()
        .setUser(user)
        .setRequest(newRequest())
        .setInodeId(file.inodeId())
        .setSessionId(session)
        .setLengthHint(LengthHint.newBuilder().setLength(report.length()).setExact(true))
        .setWrote(report.wrote())
        .build();
  }

  /** How long shutdown waits for the sessions released handles are still ending. */
  static final long CLOSE_LATER_WAIT_MS = 5_000;

  /**
   * At shutdown: the sessions of released handles end, then every handle still open sends what it
   * buffered (acknowledged writes must not be lost with the daemon) and ends its write session;
   * failures are logged, the rest go on.
   */
  public void closeAll() {
    unlinkBehind.close(); // unlinks answered early are applied before anything else ends
    try {
      if (!closer.awaitIdle(CLOSE_LATER_WAIT_MS)) {
        org.slf4j.LoggerFactory.getLogger(FsContext.class)
            .warn(
                "write sessions still ending after {} ms; the pruner ends the rest",
                CLOSE_LATER_WAIT_MS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (OpenFile file : files.openFiles()) {
      try {
        file.drain();
        closeSession(file, UserInfo.getDefaultInstance());
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(FsContext.class)
            .warn("closing inode {} at shutdown failed: {}", file.inodeId(), e.getMessage());
      } finally {
        files.release(file);
      }
    }
  }

  /** A fuse_entry_out with these timeouts (shorter than the configured ones: see StatAhead). */
  public Reply entry(Inode inode, long entryMs, long attrMs) {
    Reply out = new Reply(Attrs.ENTRY_BYTES);
    Attrs.entryOut(out, inode, lengthOf(inode), entryMs, attrMs);
    inodes.looked(Attrs.nodeId(inode.getId()));
    return out;
  }

  /** A fuse_entry_out for an inode the kernel now holds one more reference to. */
  public Reply entry(Inode inode) {
    return entry(inode, config.entryTimeoutMs(), config.attrTimeoutMs());
  }

  /**
   * A fuse_entry_out whose reference the caller counts itself, once the reply is sure to be sent
   * (readdirplus builds many and may still fail).
   */
  public void entryUncounted(Reply out, Inode inode) {
    Attrs.entryOut(out, inode, lengthOf(inode), config.entryTimeoutMs(), config.attrTimeoutMs());
  }

  public Reply attr(Inode inode) {
    Reply out = new Reply(16 + Attrs.ATTR_BYTES);
    Attrs.attrOut(out, inode, lengthOf(inode), config.attrTimeoutMs());
    return out;
  }
}
