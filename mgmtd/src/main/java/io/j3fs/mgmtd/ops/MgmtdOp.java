package io.j3fs.mgmtd.ops;

import com.google.protobuf.Message;

/**
 * One mgmtd RPC's logic (3FS's {@code mgmtd/ops}): the service only adapts wire messages to it.
 * {@link #run} is called by {@link io.j3fs.mgmtd.service.MgmtdServer} under its lock, only while
 * this instance is primary; failures are thrown as {@link io.j3fs.common.status.StatusException}.
 */
@FunctionalInterface
public interface MgmtdOp<Q extends Message, R extends Message> {
  R run(PrimaryContext primary, Q request);
}
