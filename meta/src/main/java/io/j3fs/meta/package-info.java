/**
 * The stateless metadata service: every file-system operation is one serializable transaction on
 * the KV layer (inode and directory-entry keys), plus write sessions, file-length updates and
 * garbage collection of deleted inodes. Filled by the metadata issue.
 */
package io.j3fs.meta;
