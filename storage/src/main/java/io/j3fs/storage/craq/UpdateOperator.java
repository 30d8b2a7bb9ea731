package io.j3fs.storage.craq;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.checksum.Crc32c;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.storage.ChunkState;
import io.j3fs.proto.storage.UpdateIo;
import io.j3fs.proto.storage.UpdateType;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.chunk.ChunkMeta;
import io.j3fs.storage.target.StorageTarget;
import io.j3fs.storage.target.TargetMap;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.locks.ReentrantLock;

/**
 * CRAQ updates (3FS's StorageOperator::handleUpdate). A client's write reaches the chain head,
 * which takes the chunk's lock, gives the update version stored + 1, applies it locally (pending)
 * and forwards it; each successor checks the version against its own, applies, forwards; the tail
 * commits on applying; each replica commits as the acknowledgement passes back, and only then
 * releases the chunk's lock. So updates of a chunk are applied in one order everywhere, and an
 * acknowledged write is committed on every replica of the write path.
 *
 * <p>Version rules at a successor (update version v, stored update u and commit c): v ≤ c is
 * already committed here (answered as is); v = u from the same request is a retry (forwarded on); v
 * = u + 1 is applied; anything else is MISSING_UPDATE, and the predecessor sends the whole chunk
 * instead. Retried client requests are recognised by (client id, request id), stored with the
 * chunk, and never applied twice.
 *
 * <p>Every request names the chain version its sender routed by; a different version here answers
 * ROUTING_VERSION_MISMATCH (and a newer one makes this node refresh its routing).
 */
public final class UpdateOperator {
  private final TargetMap targets;
  private final Forwarder forwarder;
  private final Runnable staleRouting;

  /**
   * @param staleRouting called when a request shows this node's routing info is behind
   */
  public UpdateOperator(TargetMap targets, Forwarder forwarder, Runnable staleRouting) {
    this.targets = targets;
    this.forwarder = forwarder;
    this.staleRouting = staleRouting;
  }

  /** A client's update, at the head. */
  public ChunkState write(UpdateIo io, ByteBuf payload) {
    validate(io, payload, false);
    StorageTarget target = targets.byChain(chainOf(io));
    RoutingInfo.Chain chain = checkVersion(target, io);
    RoutingInfo.Member head = chain.head();
    if (head == null || !head.target().equals(target.id())) {
      throw new StatusException(
          StatusCode.NOT_CHAIN_HEAD,
          "target "
              + target.id()
              + " is not the head of chain "
              + chain.id()
              + (head == null ? " (it has no head)" : " (the head is " + head.target() + ")"));
    }
    // The head's content is the truth it forwards (and repairs successors with): a head that is not
    // in sync (restarted after a crash, recreated on a wiped disk) must not take writes until mgmtd
    // has moved it out of the chain and resync has made it current.
    if (!target.inSync()) {
      throw new StatusException(
          StatusCode.TARGET_NOT_SERVING,
          "target " + target.id() + " heads chain " + chain.id() + " but is not in sync");
    }
    ChunkId chunk = chunkOf(io);
    ChunkEngine engine = target.engine();
    ReentrantLock lock = engine.updateLock(chunk);
    lock.lock();
    try {
      chain = checkVersion(target, io); // it may have moved while we waited for the lock
      ChunkMeta current = engine.meta(chunk);
      ChunkMeta applied;
      if (current != null && current.madeBy(io.getClientId(), io.getRequestId())) {
        if (current.committed()) {
          return ChunkStates.of(current); // a retry of a finished request
        }
        applied = current; // a retry of a request that did not finish: forward it again
      } else {
        if (io.getType() == UpdateType.REMOVE && (current == null || current.removed())) {
          return ChunkStates.of(current);
        }
        long version = (current == null ? 0 : current.updateVersion()) + 1;
        boolean tail = chain.successor(target.id()) == null;
        applied = apply(engine, chunk, io, payload, stamp(io, version, chain, tail));
      }
      return finish(target, chunk, io, payload, applied);
    } finally {
      lock.unlock();
    }
  }

  /** An update forwarded by the predecessor. */
  public ChunkState update(UpdateIo io, ByteBuf payload) {
    validate(io, payload, true);
    StorageTarget target = targets.byChain(chainOf(io));
    RoutingInfo.Chain chain = checkVersion(target, io);
    if (chain.predecessor(target.id()) == null) {
      throw new StatusException(
          StatusCode.ROUTING_VERSION_MISMATCH,
          "target " + target.id() + " has no predecessor in chain " + chain.id() + " here");
    }
    long version = io.getUpdateVersion();
    ChunkId chunk = chunkOf(io);
    ChunkEngine engine = target.engine();
    ReentrantLock lock = engine.updateLock(chunk);
    lock.lock();
    try {
      chain = checkVersion(target, io);
      boolean tail = chain.successor(target.id()) == null;
      ChunkEngine.Stamp stamp = stamp(io, version, chain, tail || io.getFromResync());
      ChunkMeta current = engine.meta(chunk);
      if (staleWholeChunk(io, current, chain)) {
        return ChunkStates.of(current);
      }
      ChunkMeta applied;
      if (io.getType() == UpdateType.REPLACE) {
        applied = engine.replace(chunk, payload, stamp);
      } else if (io.getType() == UpdateType.REMOVE
          && (io.getFromResync() || io.getUnconditional())) {
        applied = engine.remove(chunk, stamp);
      } else {
        long stored = current == null ? 0 : current.updateVersion();
        if (current != null && version <= current.commitVersion()) {
          return ChunkStates.of(current); // committed here already
        }
        if (current != null
            && version == stored
            && current.madeBy(io.getClientId(), io.getRequestId())) {
          applied = current; // a retry: forward it on and commit
        } else if (version == stored + 1) {
          if (io.getType() == UpdateType.REMOVE && current == null) {
            return ChunkStates.of(null);
          }
          applied = apply(engine, chunk, io, payload, stamp);
        } else {
          throw new StatusException(
              StatusCode.MISSING_UPDATE,
              "chunk "
                  + chunk
                  + " is at version "
                  + stored
                  + " on target "
                  + target.id()
                  + "; update "
                  + version
                  + " needs "
                  + (version - 1));
        }
      }
      return finish(target, chunk, io, payload, applied);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether a whole-chunk replacement, or a resync's removal, arrives after a newer update of this
   * chain version: then it is stale and installing it would undo that update, which may be
   * acknowledged. How one arrives late: its sender (a predecessor repairing this replica, or a
   * resync) waits {@code rpc_timeout_ms} for the answer and then lets go of the chunk, but the call
   * still waits here for the chunk's lock, which an update forwarded on to a dead successor may
   * hold longer; meanwhile the predecessor's next update of the chunk gets here first. Within one
   * chain version this replica takes updates only from its one predecessor, in the order of their
   * versions, so a chunk already updated in this chain version past the replacement's version (or
   * at all, for a resync's removal: the resync listed it before that update) has newer content than
   * the sender had. A chunk last updated in an older chain version (what a resync repairs) is
   * replaced or removed as sent.
   */
  private static boolean staleWholeChunk(UpdateIo io, ChunkMeta current, RoutingInfo.Chain chain) {
    if (current == null || current.chainVersion() != chain.version()) {
      return false;
    }
    return switch (io.getType()) {
      case REPLACE -> current.updateVersion() > io.getUpdateVersion();
      case REMOVE -> io.getFromResync();
      default -> false;
    };
  }

  /** Forwards an update applied here (unless it is committed already) and commits it. */
  private ChunkState finish(
      StorageTarget target, ChunkId chunk, UpdateIo io, ByteBuf payload, ChunkMeta applied) {
    if (applied == null || applied.committed()) {
      return ChunkStates.of(applied);
    }
    long version = applied.updateVersion();
    forwarder.forward(
        target, io.toBuilder().setUpdateVersion(version).build(), payload, ChunkStates.of(applied));
    return ChunkStates.of(target.engine().commit(chunk, version));
  }

  private static ChunkMeta apply(
      ChunkEngine engine, ChunkId chunk, UpdateIo io, ByteBuf payload, ChunkEngine.Stamp stamp) {
    return switch (io.getType()) {
      case WRITE -> engine.write(chunk, io.getOffset(), payload, io.getChunkSize(), stamp);
      case TRUNCATE -> engine.truncate(chunk, io.getLength(), io.getChunkSize(), stamp);
      case REMOVE -> engine.remove(chunk, stamp);
      case REPLACE -> engine.replace(chunk, payload, stamp);
      case UPDATE_TYPE_UNSPECIFIED, UNRECOGNIZED ->
          throw StatusException.invalidArgument("update type is missing");
    };
  }

  private static ChunkEngine.Stamp stamp(
      UpdateIo io, long version, RoutingInfo.Chain chain, boolean commit) {
    return new ChunkEngine.Stamp(
        version, chain.version(), commit, io.getClientId(), io.getRequestId());
  }

  private RoutingInfo.Chain checkVersion(StorageTarget target, UpdateIo io) {
    return target.chainAt(io.getChainVersion(), staleRouting);
  }

  private static void validate(UpdateIo io, ByteBuf payload, boolean fromReplica) {
    if (io.getChunkId().size() != ChunkId.BYTES) {
      throw StatusException.invalidArgument(
          "chunk_id must be " + ChunkId.BYTES + " bytes, got " + io.getChunkId().size());
    }
    switch (io.getType()) {
      case WRITE, REPLACE -> {
        if (io.getType() == UpdateType.REPLACE && !fromReplica) {
          throw StatusException.invalidArgument("REPLACE is only sent between replicas");
        }
        if (payload.readableBytes() != io.getLength()) {
          throw StatusException.invalidArgument(
              "update says "
                  + io.getLength()
                  + " bytes but the payload has "
                  + payload.readableBytes());
        }
        if (Crc32c.of(payload.nioBuffers()) != io.getPayloadChecksum()) {
          throw new StatusException(
              StatusCode.CHECKSUM_MISMATCH, "payload does not match its checksum");
        }
      }
      case TRUNCATE, REMOVE -> {}
      case UPDATE_TYPE_UNSPECIFIED, UNRECOGNIZED ->
          throw StatusException.invalidArgument("update type is missing");
    }
    if (fromReplica && io.getUpdateVersion() <= 0) {
      throw StatusException.invalidArgument("a forwarded update needs its update_version");
    }
  }

  static ChunkId chunkOf(UpdateIo io) {
    return ChunkId.fromBytes(io.getChunkId().toByteArray());
  }

  private static ChainId chainOf(UpdateIo io) {
    return ChainId.of(io.getChainId());
  }
}
