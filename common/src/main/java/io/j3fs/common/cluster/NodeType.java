package io.j3fs.common.cluster;

/** What a registered node is. */
public enum NodeType {
  MGMTD,
  META,
  STORAGE,
  CLIENT,
  FUSE
}
