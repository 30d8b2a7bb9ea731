/**
 * The storage service: the chunk engine (one target per disk directory, copy-on-write chunks with
 * CRC32C), CRAQ chain replication and resync of returning replicas. Filled by the storage issue.
 */
package io.j3fs.storage;
