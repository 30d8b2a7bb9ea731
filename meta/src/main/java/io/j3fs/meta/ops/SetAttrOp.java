package io.j3fs.meta.ops;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.auth.Access;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.SetAttrReq;
import io.j3fs.proto.meta.SetAttrRsp;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.proto.meta.store.InodeRecord;

/**
 * chmod, chown, utimens and truncate in one call, with Linux's rules: mode and explicit times by
 * the owner or root; the owner may only give a file to a group it is in, root may change anything;
 * setting times to now also needs only write permission; a chown by anyone but root, and a chmod by
 * a non-member of the file's group, clear the setgid bit (and chown the setuid bit).
 */
public final class SetAttrOp implements MetaOp<SetAttrReq, SetAttrRsp> {
  private final MetaContext ctx;

  public SetAttrOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public SetAttrRsp run(SetAttrReq request) {
    if (request.hasLength()) {
      Truncation.prepare(ctx, request.getUser(), request.getPath(), 0, request.getLength());
    }
    return Idempotent.run(
        ctx,
        request.getRequest(),
        SetAttrRsp.parser(),
        tx -> {
          InodeRecord record =
              Inodes.existing(tx, request.getUser(), request.getPath(), request.getFollow());
          Inode inode = record.getInode();
          if (inode.getType() == InodeType.DIRECTORY
              && (request.hasMode() || request.hasUid() || request.hasGid())) {
            // Who may remove its entries changes: not under another client's lease (its early
            // unlinks were checked against these bits; see DirLeases).
            DirLeases.checkFree(ctx, tx, inode.getId(), request.getRequest());
          }
          Inode updated = apply(inode, request);
          MetaStore.putInode(tx, record.toBuilder().setInode(updated).build());
          return SetAttrRsp.newBuilder().setInode(updated).build();
        });
  }

  private Inode apply(Inode inode, SetAttrReq request) {
    UserInfo user = request.getUser();
    long now = ctx.nowNs();
    Inode.Builder out = inode.toBuilder();
    boolean changed = false;
    if (request.hasUid() || request.hasGid()) {
      int uid = request.hasUid() ? request.getUid() : inode.getUid();
      int gid = request.hasGid() ? request.getGid() : inode.getGid();
      if (!Access.isRoot(user)) {
        if (uid != inode.getUid()) {
          throw new StatusException(
              StatusCode.NOT_PERMITTED, "only root may change a file's owner");
        }
        if (gid != inode.getGid()
            && (user.getUid() != inode.getUid() || !Access.inGroup(user, gid))) {
          throw new StatusException(
              StatusCode.NOT_PERMITTED, "the owner may only give a file to a group it is in");
        }
      }
      out.setUid(uid).setGid(gid);
      if (!Access.isRoot(user) && inode.getType() != InodeType.DIRECTORY) {
        out.setMode(out.getMode() & ~(Access.S_ISUID | Access.S_ISGID));
      }
      changed = true;
    }
    if (request.hasMode()) {
      Access.checkOwner(inode, user, "change the mode");
      int mode = request.getMode() & 07777;
      if (!Access.isRoot(user) && !Access.inGroup(user, out.getGid())) {
        mode &= ~Access.S_ISGID;
      }
      out.setMode(mode);
      changed = true;
    }
    if (request.hasAtimeNs() || request.hasMtimeNs()) {
      boolean explicit =
          (request.hasAtimeNs() && request.getAtimeNs() != -1)
              || (request.hasMtimeNs() && request.getMtimeNs() != -1);
      if (explicit) {
        Access.checkOwner(inode, user, "set explicit times");
      } else if (!Access.isRoot(user) && user.getUid() != inode.getUid()) {
        Access.check(inode, user, Access.WRITE, "set its times to now");
      }
      if (request.hasAtimeNs()) {
        out.setAtimeNs(request.getAtimeNs() == -1 ? now : request.getAtimeNs());
      }
      if (request.hasMtimeNs()) {
        out.setMtimeNs(request.getMtimeNs() == -1 ? now : request.getMtimeNs());
      }
      changed = true;
    }
    if (request.hasLength()) {
      Truncation.check(inode, user);
      Inode cut = Truncation.apply(ctx, out.build(), request.getLength());
      out = cut.toBuilder();
      changed = true;
    }
    if (changed) {
      out.setCtimeNs(now);
    }
    return out.build();
  }
}
