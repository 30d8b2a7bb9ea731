package io.j3fs.net.inproc;

import com.google.protobuf.Message;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.Frame;
import io.j3fs.net.FrameHeader;
import io.j3fs.net.Handshake;
import io.j3fs.net.Payloads;
import io.j3fs.net.PendingCalls;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.net.RpcServer;
import io.j3fs.net.RpcTransport;
import io.j3fs.net.ServerOptions;
import io.j3fs.proto.WireMethod;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * RPC inside one JVM, for tests and the simulator. Messages are serialized exactly as on the wire
 * (message bytes and a copied payload), so handlers and callers see what TCP would give them, and
 * each direction of each (client, server) link can delay, drop, duplicate, reorder or partition
 * messages under a seeded random source.
 *
 * <p>Delivery runs on one scheduler thread; handlers run on the dispatcher's virtual threads, as
 * with TCP.
 */
public final class InProcessNetwork implements RpcTransport {
  private final ScheduledExecutorService scheduler;
  private final Random random;
  private final Map<Endpoint, Server> servers = new ConcurrentHashMap<>();
  private final Map<String, LinkFaults> faults = new ConcurrentHashMap<>();
  private final AtomicInteger nextPort = new AtomicInteger(40_000);
  private final AtomicInteger nextClient = new AtomicInteger(1);
  private volatile LinkFaults defaultFaults = LinkFaults.NONE;

  public InProcessNetwork(long seed) {
    this.random = new Random(seed);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().daemon().name("inproc-network").unstarted(runnable));
  }

  /** Faults on every link without its own setting. */
  public void setDefaultFaults(LinkFaults linkFaults) {
    this.defaultFaults = linkFaults;
  }

  /** Faults on both directions between the client named {@code clientName} and {@code server}. */
  public void setFaults(String clientName, Endpoint server, LinkFaults linkFaults) {
    faults.put(clientName + "|" + server, linkFaults);
  }

  private LinkFaults faults(String clientName, Endpoint server) {
    return faults.getOrDefault(clientName + "|" + server, defaultFaults);
  }

  @Override
  public RpcServer serve(Endpoint endpoint, Dispatcher dispatcher, ServerOptions options) {
    Endpoint actual =
        endpoint.port() == 0 ? new Endpoint(endpoint.host(), nextPort.getAndIncrement()) : endpoint;
    Server server = new Server(actual, dispatcher, options);
    if (servers.putIfAbsent(actual, server) != null) {
      throw new StatusException(
          StatusCode.UNAVAILABLE, "cannot listen on " + actual + ": address in use");
    }
    return server;
  }

  @Override
  public RpcClient client(ClientOptions options) {
    return new Client(options.clientName() + "#" + nextClient.getAndIncrement(), options);
  }

  @Override
  public void close() {
    for (Server server : servers.values()) {
      server.close();
    }
    scheduler.shutdownNow();
  }

  /** Sends {@code delivery} over a link: maybe dropped, maybe twice, after a random delay. */
  private void send(LinkFaults link, Runnable delivery) {
    int copies;
    long delayA;
    long delayB;
    synchronized (random) {
      if (link.partitioned() || random.nextDouble() < link.dropProbability()) {
        return;
      }
      copies = random.nextDouble() < link.duplicateProbability() ? 2 : 1;
      long span = link.maxDelayMs() - link.minDelayMs();
      delayA = link.minDelayMs() + (span == 0 ? 0 : (long) (random.nextDouble() * (span + 1)));
      delayB = link.minDelayMs() + (span == 0 ? 0 : (long) (random.nextDouble() * (span + 1)));
    }
    try {
      scheduler.schedule(delivery, delayA, TimeUnit.MILLISECONDS);
      if (copies == 2) {
        scheduler.schedule(delivery, delayB, TimeUnit.MILLISECONDS);
      }
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // network closed: the message is lost, as on a dead link
    }
  }

  private static byte[] bytes(Message message) {
    return message.toByteArray();
  }

  private static Frame frame(FrameHeader header, byte[] message, byte[] payload) {
    return new Frame(header, Unpooled.wrappedBuffer(message), Unpooled.wrappedBuffer(payload));
  }

  /** A registered server and the connections made to it. */
  private final class Server implements RpcServer {
    private final Endpoint endpoint;
    private final Dispatcher dispatcher;
    private final ServerOptions options;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Server(Endpoint endpoint, Dispatcher dispatcher, ServerOptions options) {
      this.endpoint = endpoint;
      this.dispatcher = dispatcher;
      this.options = options;
    }

    @Override
    public Endpoint endpoint() {
      return endpoint;
    }

    @Override
    public void close() {
      closed = true;
      servers.remove(endpoint, this);
      for (Connection connection : connections) {
        connection.breakWith("connection to " + endpoint + " lost");
      }
    }
  }

  /** A client's connection to one server. */
  private final class Connection {
    private final Server server;
    private final String clientName;
    private final PendingCalls pending;
    private volatile boolean broken;

    Connection(Server server, String clientName, ClientOptions options) {
      this.server = server;
      this.clientName = clientName;
      this.pending =
          new PendingCalls(
              options.maxInFlightPerConnection(), scheduler, server.endpoint.toString());
    }

    void breakWith(String reason) {
      broken = true;
      server.connections.remove(this);
      pending.closeAll(new StatusException(StatusCode.UNAVAILABLE, reason));
    }

    CompletableFuture<RpcReply> call(
        WireMethod method, Message request, ByteBuf payload, long timeoutMs) {
      PendingCalls.Call call;
      byte[] payloadBytes;
      try {
        call = pending.register(method, timeoutMs);
      } finally {
        payloadBytes = ByteBufUtil.getBytes(payload);
        payload.release();
      }
      byte[] message = bytes(request);
      FrameHeader header =
          new FrameHeader(
              0,
              call.requestId(),
              method.serviceId(),
              method.methodId(),
              message.length,
              payloadBytes.length);
      send(faults(clientName, server.endpoint), () -> receive(header, message, payloadBytes));
      return call.future();
    }

    /** On the scheduler thread: the server gets a request. */
    private void receive(FrameHeader header, byte[] message, byte[] payload) {
      if (broken || server.closed) {
        return;
      }
      server.dispatcher.dispatch(
          frame(header, message, payload),
          clientName,
          outcome -> {
            byte[] responseMessage = bytes(outcome.message());
            ByteBuf read = Payloads.toBuffer(outcome.payload(), ByteBufAllocator.DEFAULT);
            byte[] responsePayload = ByteBufUtil.getBytes(read);
            read.release();
            FrameHeader responseHeader =
                new FrameHeader(
                    FrameHeader.FLAG_RESPONSE | outcome.flags(),
                    header.requestId(),
                    header.serviceId(),
                    header.methodId(),
                    responseMessage.length,
                    responsePayload.length);
            send(
                faults(clientName, server.endpoint),
                () -> {
                  if (!broken) {
                    pending.complete(frame(responseHeader, responseMessage, responsePayload));
                  }
                });
          });
    }
  }

  private final class Client implements RpcClient {
    private final String name;
    private final ClientOptions options;
    private final Map<Endpoint, Connection> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Client(String name, ClientOptions options) {
      this.name = name;
      this.options = options;
    }

    @Override
    public CompletableFuture<RpcReply> call(
        Endpoint peer, WireMethod method, Message request, ByteBuf payload, long timeoutMs) {
      try {
        if (closed) {
          throw new StatusException(StatusCode.CANCELLED, "RPC client is closed");
        }
        return connection(peer).call(method, request, payload, timeoutMs);
      } catch (StatusException e) {
        if (payload.refCnt() > 0) {
          payload.release();
        }
        return CompletableFuture.failedFuture(e);
      }
    }

    private Connection connection(Endpoint peer) {
      Connection current = connections.get(peer);
      if (current != null && !current.broken) {
        return current;
      }
      Server server = servers.get(peer);
      if (server == null || server.closed || faults(name, peer).partitioned()) {
        throw new StatusException(
            StatusCode.UNAVAILABLE, "cannot connect to " + peer + ": no server reachable");
      }
      Dispatcher.Outcome answer = Handshake.answer(Handshake.request(options), server.options);
      if ((answer.flags() & FrameHeader.FLAG_ERROR) != 0) {
        io.j3fs.proto.RpcError error = (io.j3fs.proto.RpcError) answer.message();
        throw new StatusException(
            StatusCode.fromNumber(error.getCode()),
            peer + " refused the connection: " + error.getMessage());
      }
      Connection fresh = new Connection(server, name, options);
      server.connections.add(fresh);
      connections.put(peer, fresh);
      return fresh;
    }

    @Override
    public void close() {
      closed = true;
      for (Connection connection : connections.values()) {
        connection.breakWith("RPC client closed");
      }
    }
  }
}
