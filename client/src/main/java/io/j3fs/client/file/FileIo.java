package io.j3fs.client.file;

import io.j3fs.client.storage.StorageClient;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.Layout;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * A file's bytes on its chunks: byte {@code b} is in chunk {@code b / chunkSize}, chunk {@code i}
 * is chunk (inode, i) on chain {@code chains[i % stripe]} of the file's layout. Writes split at
 * chunk boundaries and go to the chains at once (at most {@link #MAX_PARALLEL_CHUNKS} chunk writes
 * in flight per call); reads are one batch read of the chunk pieces. Chunks a file never wrote, and
 * chunk bytes past a chunk's end, read as zeros up to the file's length (sparse files).
 *
 * <p>Thread-safe; calls block (virtual threads).
 */
public final class FileIo {
  /** Chunk writes of one call in flight at once, at most. */
  static final int MAX_PARALLEL_CHUNKS = 16;

  private final StorageClient storage;
  private final ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();

  public FileIo(StorageClient storage) {
    this.storage = storage;
  }

  /** The chain that holds chunk {@code index} of a file with this layout. */
  public static ChainId chainOf(Layout layout, long index) {
    if (layout.getChainsCount() == 0) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT, "the file has no chains in its layout");
    }
    return ChainId.of(layout.getChains((int) (index % layout.getChainsCount())));
  }

  /** Writes {@code data} (its readable bytes, borrowed) at {@code offset} of the file. */
  public void write(Inode file, long offset, ByteBuf data) {
    Layout layout = file.getLayout();
    long chunk = layout.getChunkSize();
    int length = data.readableBytes();
    List<Future<?>> pending = new ArrayList<>();
    Semaphore slots = new Semaphore(MAX_PARALLEL_CHUNKS);
    try {
      for (int done = 0; done < length; ) {
        long at = offset + done;
        long index = at / chunk;
        int within = (int) (at - index * chunk);
        int n = (int) Math.min(length - done, chunk - within);
        ByteBuf piece = data.slice(data.readerIndex() + done, n);
        slots.acquire();
        pending.add(
            writers.submit(
                () -> {
                  try {
                    storage.write(
                        chainOf(layout, index),
                        ChunkId.of(file.getId(), index),
                        within,
                        piece,
                        (int) chunk);
                  } finally {
                    slots.release();
                  }
                  return null;
                }));
        done += n;
      }
    } catch (InterruptedException e) {
      awaitAll(pending);
      Thread.currentThread().interrupt();
      throw new StatusException(StatusCode.CANCELLED, "interrupted during a write");
    }
    // Every chunk write is waited for, failed or not: they borrow the caller's buffer, which the
    // caller may reuse as soon as this returns.
    StatusException failure = awaitAll(pending);
    if (failure != null) {
      throw failure;
    }
  }

  /** Waits for every future; returns the first failure (null if none). */
  private static StatusException awaitAll(List<Future<?>> pending) {
    StatusException first = null;
    boolean interrupted = false;
    for (Future<?> f : pending) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          StatusException status =
              e.getCause() instanceof StatusException s
                  ? s
                  : new StatusException(StatusCode.INTERNAL, "write failed: " + e.getCause());
          first = first == null ? status : first;
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return first;
  }

  /**
   * One read of a batch: bytes of {@code file} from {@code offset} into {@code into}'s remaining
   * space.
   */
  public record Into(Inode file, long offset, java.nio.ByteBuffer into) {}

  /**
   * Many reads, of any files, as one batch read of all their chunk pieces (one call per storage
   * node for the lot), each copied into its caller's buffer at the buffer's position (which moves
   * by the bytes read). Returns the bytes read per entry, fewer than asked at a file's end.
   */
  public int[] readInto(List<Into> reads) {
    List<StorageClient.ReadRequest> pieces = new ArrayList<>();
    List<int[]> owners = new ArrayList<>(); // {read index, offset within its buffer, piece length}
    int[] lengths = new int[reads.size()];
    for (int r = 0; r < reads.size(); r++) {
      Into read = reads.get(r);
      Layout layout = read.file().getLayout();
      long chunk = layout.getChunkSize();
      long end = Math.min(read.file().getLength(), read.offset() + read.into().remaining());
      lengths[r] = (int) Math.max(0, end - read.offset());
      for (long at = read.offset(); at < end; ) {
        long index = at / chunk;
        int within = (int) (at - index * chunk);
        int n = (int) Math.min(end - at, chunk - within);
        pieces.add(
            new StorageClient.ReadRequest(
                chainOf(layout, index), ChunkId.of(read.file().getId(), index), within, n));
        owners.add(new int[] {r, (int) (at - read.offset()), n});
        at += n;
      }
    }
    List<ByteBuf> got = storage.batchRead(pieces);
    try {
      for (int p = 0; p < got.size(); p++) {
        int[] owner = owners.get(p);
        java.nio.ByteBuffer into = reads.get(owner[0]).into();
        int base = into.position() + owner[1];
        ByteBuf piece = got.get(p);
        int n = piece.readableBytes();
        piece.getBytes(piece.readerIndex(), into.duplicate().position(base).limit(base + n));
        for (int i = base + n; i < base + owner[2]; i++) {
          into.put(i, (byte) 0);
        }
      }
    } finally {
      got.forEach(ByteBuf::release);
    }
    for (int r = 0; r < reads.size(); r++) {
      java.nio.ByteBuffer into = reads.get(r).into();
      into.position(into.position() + lengths[r]);
    }
    return lengths;
  }

  /**
   * Bytes [offset, offset + length) of the file, clamped to its length; holes read as zeros. The
   * caller owns the buffer.
   */
  public ByteBuf read(Inode file, long offset, int length) {
    return read(file.getId(), file.getLayout(), file.getLength(), offset, length);
  }

  /**
   * Bytes [offset, offset + length) of inode {@code inodeId} with this layout, clamped to {@code
   * fileLength} (the length the caller knows, which may be ahead of the inode record's while its
   * own writes are unreported); holes read as zeros. The caller owns the buffer.
   */
  public ByteBuf read(long inodeId, Layout layout, long fileLength, long offset, int length) {
    Pieces p = pieces(inodeId, layout, fileLength, offset, length);
    return p.reads.isEmpty() ? Unpooled.EMPTY_BUFFER : p.assemble(storage.batchRead(p.reads));
  }

  /**
   * {@link #read(long, Layout, long, long, int)}'s first attempt, without blocking (see {@link
   * StorageClient#batchReadFirstAttempt}): fails where a read would need a retry, and the caller
   * then reads with the blocking method.
   */
  public CompletableFuture<ByteBuf> readFirstAttempt(
      long inodeId, Layout layout, long fileLength, long offset, int length) {
    Pieces p = pieces(inodeId, layout, fileLength, offset, length);
    if (p.reads.isEmpty()) {
      return CompletableFuture.completedFuture(Unpooled.EMPTY_BUFFER);
    }
    return storage.batchReadFirstAttempt(p.reads).thenApply(p::assemble);
  }

  /** The chunk pieces of a read, and how long each must be. */
  private record Pieces(List<StorageClient.ReadRequest> reads, List<Integer> sizes) {
    /** The pieces as they came (no copy), with zeros where a chunk is absent or ends early. */
    ByteBuf assemble(List<ByteBuf> got) {
      CompositeByteBuf out = Unpooled.compositeBuffer(2 * got.size() + 1);
      for (int i = 0; i < got.size(); i++) {
        ByteBuf piece = got.get(i);
        int missing = sizes.get(i) - piece.readableBytes();
        out.addComponent(true, piece);
        if (missing > 0) {
          out.addComponent(true, Unpooled.wrappedBuffer(new byte[missing]));
        }
      }
      return out;
    }
  }

  private Pieces pieces(long inodeId, Layout layout, long fileLength, long offset, int length) {
    long end = Math.min(fileLength, offset + (long) length);
    List<StorageClient.ReadRequest> reads = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    long chunk = layout.getChunkSize();
    for (long at = offset; at < end; ) {
      long index = at / chunk;
      int within = (int) (at - index * chunk);
      int n = (int) Math.min(end - at, chunk - within);
      reads.add(
          new StorageClient.ReadRequest(
              chainOf(layout, index), ChunkId.of(inodeId, index), within, n));
      sizes.add(n);
      at += n;
    }
    return new Pieces(reads, sizes);
  }
}
