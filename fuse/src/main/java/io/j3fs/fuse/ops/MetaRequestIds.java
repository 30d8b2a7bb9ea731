package io.j3fs.fuse.ops;

import io.j3fs.proto.meta.RequestId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The request ids one FUSE request's metadata mutations carry, kept across the runs of that
 * request: a mutation a reader tried on its direct links and was declined (a timeout, a lost
 * connection) may still have been applied, and the run on a handler thread that follows must send
 * it with the same id, so the service's idempotency record answers it with the first outcome
 * instead of applying it twice (a create answering EXISTS for the file it just made, an unlink
 * ENOENT). The k-th id a run asks for is the k-th the first run was given: a request's runs ask in
 * the same order.
 *
 * <p>Used by one thread at a time: the reader, then the handler it hands the request to (the
 * executor's hand-off orders the two).
 */
public final class MetaRequestIds {
  private final List<RequestId> ids = new ArrayList<>(1);
  private int next;

  /** The next id of this run: the one an earlier run had at this place, or a fresh one. */
  RequestId next(Supplier<RequestId> fresh) {
    if (next == ids.size()) {
      ids.add(fresh.get());
    }
    return ids.get(next++);
  }

  /** A new run of the request starts: its ids come again from the first. */
  public void restart() {
    next = 0;
  }
}
