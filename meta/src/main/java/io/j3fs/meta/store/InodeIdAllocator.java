package io.j3fs.meta.store;

import io.j3fs.common.id.InodeId;
import io.j3fs.kv.KvEngine;
import io.j3fs.proto.meta.store.InodeAllocRecord;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out inode ids in blocks so no single counter key is written by every create: a block is
 * taken from one of {@link #SHARDS} counters in the KV (a random one, in its own small
 * transaction), and its {@link #BLOCK_IDS} ids are then handed out from memory. Block b of shard s
 * is global block {@code b * SHARDS + s}, so shards never overlap; ids of a block a crashed process
 * did not use are simply skipped.
 *
 * <p>Thread-safe.
 */
public final class InodeIdAllocator {
  public static final int SHARDS = 32;
  public static final int BLOCK_IDS = 4096;

  private final KvEngine kv;
  private long next;
  private long end;

  public InodeIdAllocator(KvEngine kv) {
    this.kv = kv;
  }

  /**
   * Whether {@link #next} can answer from memory (without a transaction of its own to take a
   * block), as it can now; another thread may take the last one first.
   */
  public synchronized boolean hasIdsInHand() {
    return next != end;
  }

  public synchronized InodeId next() {
    if (next == end) {
      long block = takeBlock(ThreadLocalRandom.current().nextInt(SHARDS));
      next = InodeId.FIRST + block * BLOCK_IDS;
      end = next + BLOCK_IDS;
    }
    return InodeId.of(next++);
  }

  private long takeBlock(int shard) {
    byte[] key = MetaKeys.inodeAllocShard(shard);
    long counter =
        kv.run(
            tx -> {
              byte[] value = tx.get(key);
              long current =
                  value == null
                      ? 0
                      : MetaStore.parse(value, "inode allocator", InodeAllocRecord.parser())
                          .getNextBlock();
              tx.set(
                  key,
                  InodeAllocRecord.newBuilder()
                      .setSchemaVersion(MetaStore.SCHEMA_VERSION)
                      .setNextBlock(current + 1)
                      .build()
                      .toByteArray());
              return current;
            });
    return counter * SHARDS + shard;
  }
}
