package io.j3fs.mgmtd.cluster;

import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.id.TargetId;

/**
 * What a storage heartbeat says about one of its targets (3FS's LocalTargetInfo).
 *
 * @param chainVersion the version of the target's chain the service currently follows
 */
public record TargetReport(
    TargetId target,
    LocalState localState,
    int diskIndex,
    long usedBytes,
    long freeBytes,
    long chainVersion) {}
