/**
 * The FUSE daemon: the kernel protocol spoken directly over /dev/fuse through the FFM API
 * (inode-based, like libfuse's low-level API), on top of the client library. Filled by the FUSE
 * issue.
 */
package io.j3fs.fuse;
