package io.j3fs.mgmtd.cluster;

/** What a registered node is. */
public enum NodeType {
  MGMTD,
  META,
  STORAGE,
  CLIENT,
  FUSE
}
