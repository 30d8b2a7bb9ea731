package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.DirEntry;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.ListReq;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.store.InodeRecord;
import java.util.List;

/**
 * A page of a directory's entries in name order (byte order of the UTF-8 names), from one snapshot;
 * the next page starts after the last name returned.
 */
public final class ListOp implements MetaOp<ListReq, ListRsp> {
  private final MetaContext ctx;

  public ListOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public ListRsp run(ListReq request) {
    int limit =
        request.getLimit() == 0
            ? ctx.settings().listPageSize()
            : Math.min(request.getLimit(), ctx.settings().maxListPageSize());
    return ctx.kv()
        .read(
            tx -> {
              InodeRecord dir = Inodes.existing(tx, request.getUser(), request.getPath(), true);
              if (dir.getInode().getType() != InodeType.DIRECTORY) {
                throw new StatusException(
                    StatusCode.NOT_DIRECTORY,
                    Inodes.describe(request.getPath()) + " is not a directory");
              }
              Access.check(dir.getInode(), request.getUser(), Access.READ, "list this directory");
              List<MetaStore.Entry> entries =
                  MetaStore.entries(tx, dir.getInode().getId(), request.getAfter(), limit + 1);
              ListRsp.Builder out = ListRsp.newBuilder().setMore(entries.size() > limit);
              for (MetaStore.Entry e : entries.subList(0, Math.min(limit, entries.size()))) {
                DirEntry.Builder entry =
                    DirEntry.newBuilder()
                        .setName(e.name())
                        .setInodeId(e.record().getInodeId())
                        .setType(e.record().getType());
                if (request.getWithAttrs()) {
                  InodeRecord child = MetaStore.inode(tx, e.record().getInodeId());
                  if (child != null) {
                    entry.setInode(child.getInode());
                  }
                }
                out.addEntries(entry);
              }
              return out.build();
            });
  }
}
