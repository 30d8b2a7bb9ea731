/**
 * Protocol buffer schemas for every service (mgmtd, meta, storage) and for stored records, with the
 * service descriptors that map each method to a fixed numeric id. Filled by the RPC-layer issue;
 * until then this module only reserves its place in the build.
 */
package io.j3fs.proto;
