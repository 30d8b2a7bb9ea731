package io.j3fs.client.meta;

import com.google.protobuf.Message;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.blocking.BlockingConnection;
import io.j3fs.proto.WireCatalog;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * One thread's direct line to the metadata service: a {@link BlockingConnection} on which the
 * thread itself sends a read and waits for its answer, skipping the event loop and the hand-offs of
 * {@link MetaClient#call}. The FUSE readers use it to answer lookups, getattrs and read-only opens
 * on the thread that read the request.
 *
 * <p>A call made while {@link MetaClient#DIRECT} is bound to these links takes this path and makes
 * one attempt. It either answers, fails with the operation's own (non-retriable) status, or throws
 * {@link Declined}: the method is not one of {@code reads} or {@code mutations}, no server is
 * reachable now, or the attempt failed in a way a retry might mend. The caller then runs the whole
 * request again on the ordinary path, so a read listed must change nothing, and a mutation listed
 * must be sent again with the request id it had here: a declined attempt may still have been
 * applied (its answer lost or late), and the service's idempotency record answers the repeat with
 * that outcome instead of applying it twice.
 *
 * <p>After a transport failure the links stay declined for {@link #RECONNECT_BACKOFF_MS}, so an
 * unreachable server costs one failed connect per back-off, not one per request. After {@link
 * #SLOW_CALLS} reads in a row that each took longer than {@link #SLOW_CALL_MS} they stay declined
 * for {@link #SLOW_BACKOFF_MS}: a server whose reads are slow (a store across the network, such as
 * PostgreSQL) is better served by the ordinary path, which keeps many calls in flight where the
 * reader threads keep one each. Mutations are not timed: their wait for the commit's fsync is not
 * that slowness.
 *
 * <p>Not thread-safe: owned by one thread, closed by it.
 */
public final class DirectMetaLinks implements AutoCloseable {
  static final long RECONNECT_BACKOFF_MS = 1_000;
  static final long SLOW_CALL_MS = 2;
  static final int SLOW_CALLS = 16;
  static final long SLOW_BACKOFF_MS = 5_000;

  /**
   * This path cannot answer; run the request on the ordinary one. No stack trace (it is routine).
   */
  public static final class Declined extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Declined(String reason) {
      super(reason, null, false, false);
    }
  }

  private final ClientOptions options;
  private final long timeoutMs;
  private final Set<String> reads;
  private final Set<String> mutations;
  private final LongSupplier nanoClock;
  private BlockingConnection connection;
  private int next;
  private long declineUntilNanos;
  private int slowInARow;
  private Runnable beforeWaiting = () -> {};

  /**
   * @param options the connection settings of the client these links stand beside (token, name,
   *     frame limits); never TLS
   * @param timeoutMs how long one call may wait for its answer before it is declined
   * @param reads the metadata methods (without "Meta.") that may take this path and change nothing
   * @param mutations the mutations that may take it: their caller sends a declined one again with
   *     the same request id (see above)
   */
  public DirectMetaLinks(
      ClientOptions options,
      long timeoutMs,
      Set<String> reads,
      Set<String> mutations,
      LongSupplier nanoClock) {
    if (options.ssl() != null) {
      throw new IllegalArgumentException("direct metadata links do not speak TLS");
    }
    this.options = options;
    this.timeoutMs = timeoutMs;
    this.reads = Set.copyOf(reads);
    this.mutations = Set.copyOf(mutations);
    this.nanoClock = nanoClock;
    this.declineUntilNanos = nanoClock.getAsLong(); // nanoTime may be negative: not 0
  }

  /**
   * Runs {@code hook} on the calling thread before each call waits for the network (its connect or
   * its answer): the FUSE reader gives up its turn to read from the kernel there.
   */
  public void beforeWaiting(Runnable hook) {
    this.beforeWaiting = hook;
  }

  <T extends Message> T call(
      List<Endpoint> servers, String method, Message request, Class<T> type) {
    boolean read = reads.contains(method);
    if (!read && !mutations.contains(method)) {
      throw new Declined("Meta." + method + " does not take the direct path");
    }
    beforeWaiting.run();
    BlockingConnection c = connection(servers);
    long startedNanos = nanoClock.getAsLong();
    try {
      T answer = c.call(WireCatalog.get().method("Meta." + method), request, type, timeoutMs);
      timed(read, startedNanos);
      return answer;
    } catch (StatusException e) {
      if (c.isClosed()) {
        lost();
      }
      if (e.code().retriable() || c.isClosed()) {
        throw new Declined(e.getMessage());
      }
      timed(read, startedNanos);
      throw e; // the operation's own answer, such as NOT_FOUND or EXISTS
    }
  }

  /** Counts a read's answer towards a run of slow ones (mutations are not timed, see above). */
  private void timed(boolean read, long startedNanos) {
    if (!read) {
      return;
    }
    long now = nanoClock.getAsLong();
    if (now - startedNanos <= SLOW_CALL_MS * 1_000_000) {
      slowInARow = 0;
    } else if (++slowInARow >= SLOW_CALLS) {
      slowInARow = 0;
      declineUntilNanos = now + SLOW_BACKOFF_MS * 1_000_000;
    }
  }

  private BlockingConnection connection(List<Endpoint> servers) {
    if (nanoClock.getAsLong() - declineUntilNanos < 0) {
      throw new Declined("the direct path failed or was slow recently");
    }
    if (connection != null && !connection.isClosed()) {
      if (servers.contains(connection.peer())) {
        return connection;
      }
      connection.close(); // that server left the routing info
    }
    connection = null;
    if (servers.isEmpty()) {
      throw new Declined("no metadata server is registered");
    }
    Endpoint peer = servers.get(Math.floorMod(next++, servers.size()));
    try {
      connection = BlockingConnection.open(peer, options, timeoutMs);
      return connection;
    } catch (StatusException e) {
      lost();
      throw new Declined(e.getMessage());
    }
  }

  private void lost() {
    connection = null;
    declineUntilNanos = nanoClock.getAsLong() + RECONNECT_BACKOFF_MS * 1_000_000;
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }
}
