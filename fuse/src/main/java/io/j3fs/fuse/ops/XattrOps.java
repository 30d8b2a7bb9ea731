package io.j3fs.fuse.ops;

import com.google.protobuf.ByteString;
import io.j3fs.fuse.protocol.Attrs;
import io.j3fs.fuse.protocol.Reply;
import io.j3fs.fuse.protocol.Request;
import io.j3fs.proto.meta.GetXattrReq;
import io.j3fs.proto.meta.GetXattrRsp;
import io.j3fs.proto.meta.ListXattrReq;
import io.j3fs.proto.meta.ListXattrRsp;
import io.j3fs.proto.meta.RemoveXattrReq;
import io.j3fs.proto.meta.RemoveXattrRsp;
import io.j3fs.proto.meta.SetXattrReq;
import io.j3fs.proto.meta.SetXattrRsp;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The extended-attribute calls. The "system." (POSIX ACLs) and "security." (capabilities, LSM
 * labels) namespaces are not kept: j3fs has mode bits only, as 3FS. Reads of them answer ENODATA
 * here without a metadata call (the kernel asks for security.capability on writes), and writes
 * answer EOPNOTSUPP, which tools such as cp -a take as "not supported here".
 */
public final class XattrOps {
  private final FsContext ctx;

  public XattrOps(FsContext ctx) {
    this.ctx = ctx;
  }

  private static boolean unkept(String name) {
    return name.startsWith("system.") || name.startsWith("security.");
  }

  public Reply getxattr(Request r) {
    int size = r.u32("size");
    r.u32("padding");
    String name = r.string("name");
    if (unkept(name)) {
      throw new Errno.Failure(Errno.ENODATA, "no " + name + " attributes are kept");
    }
    ByteString value =
        ctx.call(
                "GetXattr",
                GetXattrReq.newBuilder()
                    .setUser(ctx.user(r))
                    .setPath(FsContext.self(r))
                    .setName(name)
                    .build(),
                GetXattrRsp.class)
            .getValue();
    return sized(size, value.toByteArray());
  }

  /** A value or its size: size 0 asks for the size; a too-small buffer is ERANGE. */
  private static Reply sized(int size, byte[] value) {
    if (size == 0) {
      return new Reply(8).u32(value.length).u32(0);
    }
    if (value.length > Integer.toUnsignedLong(size)) {
      throw new Errno.Failure(
          Errno.ERANGE, "the value has " + value.length + " bytes; the buffer " + size);
    }
    return new Reply(value.length).bytes(value);
  }

  public Reply listxattr(Request r) {
    int size = r.u32("size");
    r.u32("padding");
    ListXattrRsp rsp =
        ctx.call(
            "ListXattr",
            ListXattrReq.newBuilder().setUser(ctx.user(r)).setPath(FsContext.self(r)).build(),
            ListXattrRsp.class);
    ByteArrayOutputStream names = new ByteArrayOutputStream();
    for (String name : rsp.getNamesList()) {
      names.writeBytes(name.getBytes(StandardCharsets.UTF_8));
      names.write(0);
    }
    return sized(size, names.toByteArray());
  }

  public Reply setxattr(Request r) {
    int size = r.u32("size");
    int flags = r.u32("flags");
    String name = r.string("name");
    byte[] value =
        r.slice(Integer.toUnsignedLong(size), "value")
            .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    if (unkept(name)) {
      throw new Errno.Failure(Errno.EOPNOTSUPP, name + " attributes are not kept by j3fs");
    }
    // the inode's ctime changes
    ctx.dirAttrs()
        .changing(
            Attrs.inodeId(r.nodeId()),
            () ->
                ctx.call(
                    "SetXattr",
                    SetXattrReq.newBuilder()
                        .setUser(ctx.user(r))
                        .setRequest(ctx.newRequest())
                        .setPath(FsContext.self(r))
                        .setName(name)
                        .setValue(ByteString.copyFrom(value))
                        .setFlags(flags)
                        .build(),
                    SetXattrRsp.class));
    return Reply.empty();
  }

  public Reply removexattr(Request r) {
    String name = r.string("name");
    if (unkept(name)) {
      throw new Errno.Failure(Errno.ENODATA, "no " + name + " attributes are kept");
    }
    // the inode's ctime changes
    ctx.dirAttrs()
        .changing(
            Attrs.inodeId(r.nodeId()),
            () ->
                ctx.call(
                    "RemoveXattr",
                    RemoveXattrReq.newBuilder()
                        .setUser(ctx.user(r))
                        .setRequest(ctx.newRequest())
                        .setPath(FsContext.self(r))
                        .setName(name)
                        .build(),
                    RemoveXattrRsp.class));
    return Reply.empty();
  }
}
