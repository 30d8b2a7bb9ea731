package io.j3fs.storage.ops;

import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.RpcResponse;
import io.j3fs.proto.storage.BatchReadReq;
import io.j3fs.proto.storage.BatchReadRsp;
import io.j3fs.proto.storage.ReadIo;
import io.j3fs.proto.storage.ReadResult;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.target.StorageTarget;
import io.j3fs.storage.target.TargetMap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * Many chunk reads in one call, each with its own status: a read fails alone (not serving here,
 * stale chain version, not committed, checksum mismatch) and the client retries it elsewhere. The
 * bytes of the reads that succeeded travel as one payload, a composite of the engine's buffers (no
 * copy), in request order.
 */
public final class BatchReadOp {
  /** Reads in one request, at most. */
  public static final int MAX_IOS = 4_096;

  /** Bytes in one answer, at most (the frame limit is larger). */
  public static final long MAX_BYTES = 256L << 20;

  private final TargetMap targets;
  private final Runnable staleRouting;

  public BatchReadOp(TargetMap targets, Runnable staleRouting) {
    this.targets = targets;
    this.staleRouting = staleRouting;
  }

  public RpcResponse run(BatchReadReq request) {
    if (request.getIosCount() > MAX_IOS) {
      throw StatusException.invalidArgument(
          "a batch read has at most " + MAX_IOS + " reads, got " + request.getIosCount());
    }
    long total = 0;
    for (ReadIo io : request.getIosList()) {
      total += io.getLength();
    }
    if (total > MAX_BYTES) {
      throw StatusException.invalidArgument(
          "a batch read returns at most " + MAX_BYTES + " bytes, asked for " + total);
    }
    BatchReadRsp.Builder out = BatchReadRsp.newBuilder();
    CompositeByteBuf payload =
        ByteBufAllocator.DEFAULT.compositeDirectBuffer(Math.max(2, request.getIosCount()));
    try {
      for (ReadIo io : request.getIosList()) {
        out.addResults(readOne(io, request.getAllowUncommitted(), payload));
      }
      return RpcResponse.of(out.build(), payload);
    } catch (RuntimeException e) {
      payload.release();
      throw e;
    }
  }

  private ReadResult readOne(ReadIo io, boolean allowUncommitted, CompositeByteBuf payload) {
    try {
      if (io.getChunkId().size() != ChunkId.BYTES) {
        throw StatusException.invalidArgument("chunk_id must be " + ChunkId.BYTES + " bytes");
      }
      StorageTarget target = targets.byChain(ChainId.of(io.getChainId()));
      target.chainAt(io.getChainVersion(), staleRouting);
      if (!target.readable()) {
        throw new StatusException(
            StatusCode.TARGET_NOT_SERVING,
            "target "
                + target.id()
                + " is "
                + target.publicState()
                + (target.inSync() ? "" : ", not in sync"));
      }
      ChunkEngine.Read read =
          target
              .engine()
              .read(
                  ChunkId.fromBytes(io.getChunkId().toByteArray()),
                  io.getOffset(),
                  io.getLength(),
                  allowUncommitted);
      int length = read.bytes().readableBytes();
      int checksum = Crc32c.of(read.bytes().nioBuffer());
      payload.addComponent(true, read.bytes());
      return ReadResult.newBuilder()
          .setLength(length)
          .setChecksum(checksum)
          .setCommitVersion(read.meta() == null ? 0 : read.meta().commitVersion())
          .build();
    } catch (StatusException e) {
      return ReadResult.newBuilder()
          .setStatus(e.code().number())
          .setMessage(e.getMessage() == null ? "" : e.getMessage())
          .build();
    }
  }
}
