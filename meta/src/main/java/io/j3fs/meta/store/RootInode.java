package io.j3fs.meta.store;

import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.store.InodeRecord;

/** The root directory (inode 0, its own parent, mode 0755, owned by root), made once. */
public final class RootInode {
  private RootInode() {}

  /** Creates the root if the store has none; safe to race from several instances. */
  public static void ensure(KvEngine kv, Clock clock) {
    kv.run(
        tx -> {
          if (MetaStore.inode(tx, 0) == null) {
            long now = clock.wallMillis() * 1_000_000L;
            MetaStore.putInode(
                tx,
                InodeRecord.newBuilder()
                    .setInode(
                        Inode.newBuilder()
                            .setId(0)
                            .setType(InodeType.DIRECTORY)
                            .setMode(0755)
                            .setNlink(1)
                            .setParent(0)
                            .setAtimeNs(now)
                            .setMtimeNs(now)
                            .setCtimeNs(now))
                    .build());
          }
          return null;
        });
  }
}
