package io.j3fs.client.file;

import io.j3fs.client.meta.MetaClient;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.storage.StorageClient;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.meta.CloseReq;
import io.j3fs.proto.meta.CloseRsp;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.GetRealPathReq;
import io.j3fs.proto.meta.GetRealPathRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.Layout;
import io.j3fs.proto.meta.LengthHint;
import io.j3fs.proto.meta.ListReq;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.MkdirsReq;
import io.j3fs.proto.meta.MkdirsRsp;
import io.j3fs.proto.meta.OpenReq;
import io.j3fs.proto.meta.OpenRsp;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.RemoveReq;
import io.j3fs.proto.meta.RemoveRsp;
import io.j3fs.proto.meta.RenameReq;
import io.j3fs.proto.meta.RenameRsp;
import io.j3fs.proto.meta.SetLayoutReq;
import io.j3fs.proto.meta.SetLayoutRsp;
import io.j3fs.proto.meta.StatReq;
import io.j3fs.proto.meta.StatRsp;
import io.j3fs.proto.meta.SyncReq;
import io.j3fs.proto.meta.SyncRsp;
import io.j3fs.proto.meta.TruncateReq;
import io.j3fs.proto.meta.TruncateRsp;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.proto.mgmtd.ExtendClientSessionReq;
import io.j3fs.proto.mgmtd.ExtendClientSessionRsp;
import io.netty.buffer.ByteBuf;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file-level client: paths and attributes through the metadata service, bytes through the
 * storage chains. Holds an mgmtd client session for as long as it is open (the metadata service
 * ends the write sessions of clients whose mgmtd session is gone).
 *
 * <p>Thread-safe; calls block (virtual threads). Acts as one user ({@code user}).
 */
public final class J3fsClient implements AutoCloseable {
  /** Bytes a stream buffers: 4 chunks of the default size, so a flush writes them at once. */
  static final int STREAM_BUFFER = 4 << 20;

  /** How often the mgmtd client session is extended. */
  static final long SESSION_EXTEND_MS = 30_000;

  private final MgmtdClient mgmtd;
  private final MetaClient meta;
  private final FileIo io;
  private final UserInfo user;
  private final String clientId;
  private final java.util.concurrent.ExecutorService batches =
      java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService sessions =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("j3fs-client-session").daemon().factory());

  /** Resources this client made itself (by {@link #connect}) and closes with itself. */
  private final List<AutoCloseable> owned = new ArrayList<>();

  /**
   * Connects to the cluster whose mgmtd instances are {@code mgmtd} (the primary is found among
   * them), as {@code user}, with a connection of its own that {@link #close()} closes.
   */
  public static J3fsClient connect(List<Endpoint> mgmtd, UserInfo user) {
    return connect(mgmtd, user, "");
  }

  /** As {@link #connect(List, UserInfo)}, presenting the cluster's shared secret {@code token}. */
  public static J3fsClient connect(List<Endpoint> mgmtd, UserInfo user, String token) {
    NettyTransport transport = new NettyTransport();
    ClientOptions options = ClientOptions.DEFAULT.withConnectionsPerPeer(2).withToken(token);
    RpcClient rpc = transport.client(options);
    try {
      MgmtdClient mgmtdClient = new MgmtdClient(rpc, MgmtdClient.Config.of(mgmtd));
      mgmtdClient.refreshRouting();
      J3fsClient client =
          new J3fsClient(rpc, mgmtdClient, "j3fs-" + java.util.UUID.randomUUID(), user, options);
      client.owned.add(rpc);
      client.owned.add(transport);
      return client;
    } catch (RuntimeException e) {
      rpc.close();
      transport.close();
      throw e;
    }
  }

  public J3fsClient(RpcClient rpc, MgmtdClient mgmtd, String clientId, UserInfo user) {
    this(rpc, mgmtd, clientId, user, null);
  }

  /**
   * @param networkOptions the options {@code rpc} connects over a real network with, so that its
   *     metadata client can also make direct links (see {@link MetaClient#newDirectLinks}); null
   *     for an in-process network
   */
  public J3fsClient(
      RpcClient rpc,
      MgmtdClient mgmtd,
      String clientId,
      UserInfo user,
      ClientOptions networkOptions) {
    this.mgmtd = mgmtd;
    this.clientId = clientId;
    this.user = user;
    this.meta =
        new MetaClient(
            rpc,
            mgmtd::routing,
            this::refreshQuietly,
            clientId,
            MetaClient.Config.DEFAULT,
            networkOptions);
    this.io = new FileIo(new StorageClient(rpc, mgmtd, clientId, StorageClient.Config.DEFAULT));
    extendSession();
    sessions.scheduleWithFixedDelay(
        this::extendQuietly, SESSION_EXTEND_MS, SESSION_EXTEND_MS, TimeUnit.MILLISECONDS);
  }

  private void extendSession() {
    mgmtd.call(
        "Mgmtd.ExtendClientSession",
        ExtendClientSessionReq.newBuilder()
            .setClientId(clientId)
            .setDescription("j3fs client")
            .build(),
        ExtendClientSessionRsp.class);
  }

  private void extendQuietly() {
    try {
      extendSession();
    } catch (StatusException ignored) {
      // mgmtd briefly away: the next extension will do
    }
  }

  private void refreshQuietly() {
    try {
      mgmtd.refreshRouting();
    } catch (StatusException ignored) {
      // retried by the caller
    }
  }

  private static PathAt at(String path) {
    return PathAt.newBuilder().setPath(path).build();
  }

  /** File bytes by layout, for callers that keep their own open files (the FUSE daemon). */
  public FileIo io() {
    return io;
  }

  public MetaClient meta() {
    return meta;
  }

  public Inode stat(String path) {
    return meta.call(
            "Stat",
            StatReq.newBuilder().setUser(user).setPath(at(path)).setFollow(true).build(),
            StatRsp.class)
        .getInode();
  }

  /** A directory and every missing parent; an existing directory is fine. */
  public Inode mkdirs(String path, int mode) {
    return mkdir(path, mode, true);
  }

  /** One directory; its parent must exist. */
  public Inode mkdir(String path, int mode) {
    return mkdir(path, mode, false);
  }

  private Inode mkdir(String path, int mode, boolean recursive) {
    return meta.call(
            "Mkdirs",
            MkdirsReq.newBuilder()
                .setUser(user)
                .setRequest(meta.newRequest())
                .setPath(at(path))
                .setMode(mode)
                .setRecursive(recursive)
                .build(),
            MkdirsRsp.class)
        .getInode();
  }

  /** Sets the layout template of a directory (chunk size and stripe of files made in it). */
  public Inode setLayout(String path, Layout layout) {
    return meta.call(
            "SetLayout",
            SetLayoutReq.newBuilder()
                .setUser(user)
                .setRequest(meta.newRequest())
                .setPath(at(path))
                .setLayout(layout)
                .build(),
            SetLayoutRsp.class)
        .getInode();
  }

  /** The absolute path with every symlink resolved. */
  public String realPath(String path) {
    return meta.call(
            "GetRealPath",
            GetRealPathReq.newBuilder().setUser(user).setPath(at(path)).build(),
            GetRealPathRsp.class)
        .getPath();
  }

  /** Every entry of a directory, page by page. */
  public List<DirEntry> list(String path) {
    List<DirEntry> out = new ArrayList<>();
    String after = "";
    while (true) {
      ListRsp page =
          meta.call(
              "List",
              ListReq.newBuilder()
                  .setUser(user)
                  .setPath(at(path))
                  .setAfter(after)
                  .setWithAttrs(true)
                  .build(),
              ListRsp.class);
      out.addAll(page.getEntriesList());
      if (!page.getMore() || page.getEntriesCount() == 0) {
        return out;
      }
      after = page.getEntries(page.getEntriesCount() - 1).getName();
    }
  }

  public void remove(String path, boolean recursive) {
    meta.call(
        "Remove",
        RemoveReq.newBuilder()
            .setUser(user)
            .setRequest(meta.newRequest())
            .setPath(at(path))
            .setRecursive(recursive)
            .build(),
        RemoveRsp.class);
  }

  public Inode rename(String src, String dst) {
    return meta.call(
            "Rename",
            RenameReq.newBuilder()
                .setUser(user)
                .setRequest(meta.newRequest())
                .setSrc(at(src))
                .setDst(at(dst))
                .build(),
            RenameRsp.class)
        .getInode();
  }

  /** Creates (or truncates) a file and opens it for writing. */
  public J3fsFile create(String path, int mode) {
    CreateRsp rsp =
        meta.call(
            "Create",
            CreateReq.newBuilder()
                .setUser(user)
                .setRequest(meta.newRequest())
                .setPath(at(path))
                .setMode(mode)
                .setFlags(0100 | 01000 | 02)
                .build(),
            CreateRsp.class);
    return new J3fsFile(rsp.getInode(), rsp.getSessionId());
  }

  /** Opens an existing file, for reading or (with {@code write}) for reading and writing. */
  public J3fsFile open(String path, boolean write) {
    OpenRsp rsp =
        meta.call(
            "Open",
            OpenReq.newBuilder()
                .setUser(user)
                .setRequest(meta.newRequest())
                .setPath(at(path))
                .setFlags(write ? 02 : 0)
                .build(),
            OpenRsp.class);
    return new J3fsFile(rsp.getInode(), rsp.getSessionId());
  }

  /** One read of {@link #readBatch}: from an open file, at an offset, into the caller's buffer. */
  public record BatchRead(J3fsFile file, long offset, java.nio.ByteBuffer into) {}

  /**
   * The dataloader path: many reads of open files submitted at once, completed asynchronously. All
   * their chunk pieces go out as one batch (one BatchRead per storage node), replicas are picked
   * per piece, failures retried on other replicas; each result is copied into its buffer at the
   * buffer's position. The future holds the bytes read per entry (fewer at a file's end).
   */
  public java.util.concurrent.CompletableFuture<int[]> readBatch(List<BatchRead> reads) {
    List<FileIo.Into> into = new ArrayList<>(reads.size());
    for (BatchRead r : reads) {
      into.add(
          new FileIo.Into(
              r.file().inode().toBuilder().setLength(r.file().length()).build(),
              r.offset(),
              r.into()));
    }
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> io.readInto(into), batches);
  }

  /** A channel on a file: for writing (created or truncated) or for reading. */
  public J3fsChannel newByteChannel(String path, boolean write) {
    return new J3fsChannel(write ? create(path, 0644) : open(path, false), write);
  }

  /** The file's bytes as a stream, read in pieces of {@code STREAM_BUFFER} bytes. */
  public InputStream newInputStream(String path) {
    return new BufferedInputStream(
        Channels.newInputStream(newByteChannel(path, false)), STREAM_BUFFER);
  }

  /**
   * A new (or truncated) file as a stream; bytes go out in pieces of {@code STREAM_BUFFER}, and
   * closing the stream closes the file.
   */
  public OutputStream newOutputStream(String path) {
    return new BufferedOutputStream(
        Channels.newOutputStream(newByteChannel(path, true)), STREAM_BUFFER);
  }

  /**
   * An open file. Reads see the length known at open plus this handle's own writes; close reports
   * the highest offset written, exact, so the metadata service records the length.
   */
  public final class J3fsFile implements AutoCloseable {
    private volatile Inode inode;
    private final String session;
    private final AtomicLong writtenEnd = new AtomicLong();
    private volatile boolean wrote;

    J3fsFile(Inode inode, String session) {
      this.inode = inode;
      this.session = session;
      writtenEnd.set(inode.getLength());
    }

    public Inode inode() {
      return inode;
    }

    /** The length as this handle knows it. */
    public long length() {
      return Math.max(inode.getLength(), writtenEnd.get());
    }

    /** Writes {@code data}'s readable bytes (borrowed) at {@code offset}. */
    public void write(long offset, ByteBuf data) {
      if (session.isEmpty()) {
        throw StatusException.invalidArgument("the file is open for reading only");
      }
      long end = offset + data.readableBytes();
      io.write(inode, offset, data);
      wrote = true;
      writtenEnd.accumulateAndGet(end, Math::max);
    }

    /**
     * Cuts the file to {@code size} bytes (storage first, then the length). This handle's writes
     * are reported first: the service cuts storage from the length it knows, and bytes written past
     * it would otherwise go too.
     */
    public void truncate(long size) {
      sync();
      inode =
          meta.call(
                  "Truncate",
                  TruncateReq.newBuilder()
                      .setUser(user)
                      .setRequest(meta.newRequest())
                      .setInodeId(inode.getId())
                      .setLength(size)
                      .build(),
                  TruncateRsp.class)
              .getInode();
      writtenEnd.set(size);
    }

    /** Reports this handle's length (the highest offset written) to the metadata service. */
    public void sync() {
      inode =
          meta.call(
                  "Sync",
                  SyncReq.newBuilder()
                      .setUser(user)
                      .setInodeId(inode.getId())
                      .setLengthHint(
                          LengthHint.newBuilder().setLength(writtenEnd.get()).setExact(true))
                      .setWrote(wrote)
                      .build(),
                  SyncRsp.class)
              .getInode();
    }

    /** Bytes at [offset, offset + length), fewer at the end of the file; the caller owns them. */
    public ByteBuf read(long offset, int length) {
      return io.read(inode.toBuilder().setLength(length()).build(), offset, length);
    }

    @Override
    public void close() {
      inode =
          meta.call(
                  "Close",
                  CloseReq.newBuilder()
                      .setUser(user)
                      .setRequest(meta.newRequest())
                      .setInodeId(inode.getId())
                      .setSessionId(session)
                      .setLengthHint(
                          LengthHint.newBuilder().setLength(writtenEnd.get()).setExact(true))
                      .setWrote(wrote)
                      .build(),
                  CloseRsp.class)
              .getInode();
    }
  }

  @Override
  public void close() {
    sessions.shutdownNow();
    batches.shutdown();
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        // closing anyway
      }
    }
  }
}
