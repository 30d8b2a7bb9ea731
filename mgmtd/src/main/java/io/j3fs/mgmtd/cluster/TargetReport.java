package io.j3fs.mgmtd.cluster;

import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.id.TargetId;

/**
 * What a storage heartbeat says about one of its targets (3FS's LocalTargetInfo).
 *
 * @param chainVersion the version of the target's chain the service currently follows
 * @param behind the service says the target's data may be stale (not resynced since a crash or a
 *     wiped disk)
 * @param empty the target was recreated empty and has not resynced (its copy is worthless)
 */
public record TargetReport(
    TargetId target,
    LocalState localState,
    int diskIndex,
    long usedBytes,
    long freeBytes,
    long chainVersion,
    boolean behind,
    boolean empty) {}
