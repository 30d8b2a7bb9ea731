package io.j3fs.net;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Counts the buffer leaks Netty's leak detector reports (the tests run it at paranoid level, so
 * every buffer is tracked). Netty reports a leak when a tracked buffer was garbage-collected
 * without being released, at a later allocation; {@link #assertNoLeaks()} forces that.
 */
public final class LeakCounter implements BeforeAllCallback, AfterAllCallback {
  private static final AtomicInteger LEAKS = new AtomicInteger();
  private static final Object INSTALL_LOCK = new Object();
  private static boolean installed;

  /**
   * Used as {@code @ExtendWith(LeakCounter.class)}: installs before a test class, checks after it.
   */
  public LeakCounter() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    install();
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    assertNoLeaks();
  }

  public static void install() {
    synchronized (INSTALL_LOCK) {
      if (installed) {
        return;
      }
      installed = true;
      if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
        throw new IllegalStateException(
            "tests must run with -Dio.netty.leakDetection.level=paranoid");
      }
      Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
      AppenderBase<ILoggingEvent> counter =
          new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
              if (event.getFormattedMessage().contains("LEAK")) {
                LEAKS.incrementAndGet();
              }
            }
          };
      counter.setContext(logger.getLoggerContext());
      counter.start();
      logger.addAppender(counter);
    }
  }

  /** Collects garbage, makes Netty look for leaked buffers, and fails if it found any. */
  public static void assertNoLeaks() throws InterruptedException {
    for (int round = 0; round < 5; round++) {
      System.gc();
      Thread.sleep(20);
      for (int i = 0; i < 200; i++) {
        ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        probe.release();
      }
    }
    int leaks = LEAKS.get();
    if (leaks != 0) {
      throw new AssertionError(
          leaks + " leaked buffers reported by Netty's leak detector (see the test log)");
    }
  }
}
