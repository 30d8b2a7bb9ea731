package io.j3fs.meta.store;

import io.j3fs.common.id.InodeId;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.proto.meta.store.InodeAllocRecord;
import io.j3fs.proto.meta.store.InodeGrantRecord;
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

  /**
   * Ids an operation run on an event loop may count on finding in hand: it runs there only while at
   * least this many more are (see {@link #idsInHand}), so the ids taken between its check and its
   * use by other threads do not make it take a block, which is a commit and a WAL sync.
   */
  public static final int INLINE_MARGIN = 64;

  private final KvEngine kv;
  private long next; // guarded by this
  private long end; // guarded by this

  /** end - next, readable without the lock (an event loop must not wait for a block's commit). */
  private volatile long inHand;

  public InodeIdAllocator(KvEngine kv) {
    this.kv = kv;
  }

  /** Ids {@link #next} can hand out now without taking a block; another thread may take some. */
  public long idsInHand() {
    return inHand;
  }

  /**
   * Whether an operation on an event loop that takes up to {@code ids} ids will find them in hand,
   * with {@link #INLINE_MARGIN} to spare for what other threads take meanwhile.
   */
  public boolean canTakeInline(long ids) {
    return inHand > INLINE_MARGIN + ids - 1;
  }

  /**
   * The next id. When the block in hand is used up, a new one is taken outside the lock, so a
   * caller that finds ids in hand never waits for another's commit; of two callers that took a
   * block at once, the second one's goes unused (its ids are skipped, as a crashed process's are).
   */
  public InodeId next() {
    while (true) {
      synchronized (this) {
        if (next != end) {
          long id = next++;
          inHand = end - next;
          return InodeId.of(id);
        }
      }
      long block = takeBlock(ThreadLocalRandom.current().nextInt(SHARDS));
      synchronized (this) {
        if (next == end) {
          next = InodeId.FIRST + block * BLOCK_IDS;
          end = next + BLOCK_IDS;
          inHand = end - next;
        }
      }
    }
  }

  private long takeBlock(int shard) {
    return kv.run(tx -> takeBlock(tx, shard));
  }

  /** Bumps shard {@code shard}'s counter in {@code tx}: the global block number taken. */
  private static long takeBlock(Transaction tx, int shard) {
    byte[] key = MetaKeys.inodeAllocShard(shard);
    byte[] value = tx.get(key);
    long current =
        value == null
            ? 0
            : MetaStore.parse(value, "inode allocator", InodeAllocRecord.parser()).getNextBlock();
    tx.set(
        key,
        InodeAllocRecord.newBuilder()
            .setSchemaVersion(MetaStore.SCHEMA_VERSION)
            .setNextBlock(current + 1)
            .build()
            .toByteArray());
    return current * SHARDS + shard;
  }

  /**
   * Gives a block of {@link #BLOCK_IDS} ids to {@code client} in {@code tx} (create-behind: it
   * names the files it makes under its directory leases itself), recorded so that {@link
   * #grantedTo} can check an id a client sends. Returns the block's first id. The block is taken
   * from the same counters as this allocator's, so no id is ever both a client's and the service's.
   */
  public static long grant(Transaction tx, String client, long nowMs) {
    long block = takeBlock(tx, ThreadLocalRandom.current().nextInt(SHARDS));
    tx.set(
        MetaKeys.inodeGrant(block),
        InodeGrantRecord.newBuilder()
            .setSchemaVersion(MetaStore.SCHEMA_VERSION)
            .setClientId(client)
            .setGrantedMs(nowMs)
            .build()
            .toByteArray());
    return InodeId.FIRST + block * BLOCK_IDS;
  }

  /** The client {@code id}'s block was given to, or null if it was not given to a client. */
  public static String grantedTo(ReadTransaction tx, long id) {
    if (id < InodeId.FIRST) {
      return null;
    }
    byte[] value = tx.get(MetaKeys.inodeGrant((id - InodeId.FIRST) / BLOCK_IDS));
    return value == null
        ? null
        : MetaStore.parse(value, "inode grant", InodeGrantRecord.parser()).getClientId();
  }
}
