/**
 * The client library: routing-info cache, meta client with failover, storage client (file layout to
 * chunk to chain, CRAQ reads from any replica, writes to the head), the public Java API, the
 * java.nio FileSystemProvider and the batch random-read API. Filled by the client issue.
 */
package io.j3fs.client;
