package io.j3fs.meta.ops;

/** One metadata RPC: a request in, an answer out, failures as StatusException. */
public interface MetaOp<Q, R> {
  R run(Q request);
}
