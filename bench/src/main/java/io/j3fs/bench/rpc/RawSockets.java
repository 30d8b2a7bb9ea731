package io.j3fs.bench.rpc;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline: plain blocking socket channels over loopback doing the same exchanges as the RPC
 * rows, with no framing, no serialization and no dispatch.
 */
public final class RawSockets {
  private RawSockets() {}

  /** A connected pair on 127.0.0.1. */
  private record Pair(SocketChannel client, SocketChannel server) implements AutoCloseable {
    static Pair open() throws IOException {
      try (ServerSocketChannel listener = ServerSocketChannel.open()) {
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        SocketChannel client = SocketChannel.open(listener.getLocalAddress());
        SocketChannel server = listener.accept();
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        server.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return new Pair(client, server);
      }
    }

    @Override
    public void close() throws IOException {
      client.close();
      server.close();
    }
  }

  /**
   * 32-byte requests answered by 32-byte responses (about an RPC header's size), {@code inFlight}
   * outstanding; returns round trips per second.
   */
  static double smallRoundTrips(int inFlight, double warmupSeconds, double seconds)
      throws Exception {
    try (Pair pair = Pair.open()) {
      AtomicBoolean stop = new AtomicBoolean();
      Thread echo =
          Thread.ofPlatform()
              .start(
                  () -> {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
                    try {
                      while (!stop.get()) {
                        buffer.clear();
                        int read = pair.server.read(buffer);
                        if (read < 0) {
                          return;
                        }
                        buffer.flip();
                        while (buffer.hasRemaining()) {
                          pair.server.write(buffer);
                        }
                      }
                    } catch (IOException closed) {
                      // benchmark over
                    }
                  });
      Semaphore slots = new Semaphore(inFlight);
      AtomicLong answered = new AtomicLong();
      long measureFrom = System.nanoTime() + (long) (warmupSeconds * 1e9);
      long end = measureFrom + (long) (seconds * 1e9);
      AtomicLong counted = new AtomicLong();
      Thread reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
                    long pendingBytes = 0;
                    try {
                      while (!stop.get()) {
                        buffer.clear();
                        int read = pair.client.read(buffer);
                        if (read < 0) {
                          return;
                        }
                        pendingBytes += read;
                        int messages = (int) (pendingBytes / 32);
                        pendingBytes %= 32;
                        long now = System.nanoTime();
                        if (now >= measureFrom && now < end) {
                          counted.addAndGet(messages);
                        }
                        answered.addAndGet(messages);
                        slots.release(messages);
                      }
                    } catch (IOException closed) {
                      // benchmark over
                    }
                  });
      ByteBuffer request = ByteBuffer.allocateDirect(32);
      while (System.nanoTime() < end) {
        slots.acquire();
        request.clear();
        while (request.hasRemaining()) {
          pair.client.write(request);
        }
      }
      stop.set(true);
      pair.client.shutdownOutput();
      reader.join(5_000);
      echo.join(5_000);
      return counted.get() / seconds;
    }
  }

  /**
   * One-way stream of {@code blockBytes} writes on {@code connections} connections; returns bytes
   * per second.
   */
  public static double bulk(int connections, int blockBytes, double warmupSeconds, double seconds)
      throws Exception {
    List<Pair> pairs = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    AtomicLong counted = new AtomicLong();
    long measureFrom = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = measureFrom + (long) (seconds * 1e9);
    try {
      for (int c = 0; c < connections; c++) {
        Pair pair = Pair.open();
        pairs.add(pair);
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      ByteBuffer buffer = ByteBuffer.allocateDirect(blockBytes);
                      try {
                        while (true) {
                          buffer.clear();
                          int read = pair.server.read(buffer);
                          if (read < 0) {
                            return;
                          }
                          long now = System.nanoTime();
                          if (now >= measureFrom && now < end) {
                            counted.addAndGet(read);
                          }
                        }
                      } catch (IOException closed) {
                        // benchmark over
                      }
                    }));
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      ByteBuffer block = ByteBuffer.allocateDirect(blockBytes);
                      try {
                        while (System.nanoTime() < end) {
                          block.clear();
                          while (block.hasRemaining()) {
                            pair.client.write(block);
                          }
                        }
                        pair.client.shutdownOutput();
                      } catch (IOException closed) {
                        // benchmark over
                      }
                    }));
      }
      for (Thread thread : threads) {
        thread.join(30_000);
      }
    } finally {
      for (Pair pair : pairs) {
        pair.close();
      }
    }
    return counted.get() / seconds;
  }
}
