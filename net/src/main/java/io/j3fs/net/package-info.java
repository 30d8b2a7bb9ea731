/**
 * RPC framing (length-prefixed frames with a raw payload beside the protobuf message), dispatch to
 * per-method handlers, a Netty TCP transport and an in-process transport for tests and the
 * simulator. Filled by the RPC-layer issue.
 */
package io.j3fs.net;
