/**
 * The cluster manager (mgmtd): membership and heartbeats, the target state machine, chains and
 * chain tables, versioned routing info and primary election by a lease kept in the KV store. Filled
 * by the mgmtd issue.
 */
package io.j3fs.mgmtd;
