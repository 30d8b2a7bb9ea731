package io.j3fs.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.proto.debug.EchoReq;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Feeds the frame decoder 100,000 fuzzed inputs: random bytes, truncated frames, lying lengths,
 * oversized lengths and single-bit flips of valid frames. The decoder must never throw, must close
 * the channel on every malformed header, must decode valid frames exactly, and no buffer may leak.
 */
@ExtendWith(LeakCounter.class)
class FrameFuzzTest {
  private static final FrameLimits LIMITS = new FrameLimits(64 * 1024, 1 << 20);

  /** Collects decoded frames and releases them. */
  private static final class Sink extends ChannelInboundHandlerAdapter {
    final List<FrameHeader> headers = new ArrayList<>();
    final List<byte[]> payloads = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try (Frame frame = (Frame) msg) {
        headers.add(frame.header());
        byte[] payload = new byte[frame.header().payloadLength()];
        ByteBuf taken = frame.takePayload();
        taken.readBytes(payload);
        taken.release();
        payloads.add(payload);
      }
    }
  }

  private static ByteBuf validFrame(Random random, long requestId) {
    byte[] text = new byte[random.nextInt(200)];
    random.nextBytes(text);
    EchoReq message =
        EchoReq.newBuilder()
            .setText(new String(text, java.nio.charset.StandardCharsets.ISO_8859_1))
            .build();
    byte[] payload = new byte[random.nextInt(2_000)];
    random.nextBytes(payload);
    ByteBuf head =
        FrameEncoder.encode(
            PooledByteBufAllocator.DEFAULT, 0, requestId, 1, 1, message, payload.length);
    head.writeBytes(payload);
    return head;
  }

  @Test
  void oneHundredThousandFuzzedInputsNeverCrashTheDecoder() {
    long seed = System.nanoTime();
    System.out.println("FrameFuzzTest seed=" + seed);
    Random random = new Random(seed);
    int closedOnMalformed = 0;
    int decodedValid = 0;
    for (int i = 0; i < 100_000; i++) {
      Sink sink = new Sink();
      EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(LIMITS), sink);
      ByteBuf input;
      int kind = random.nextInt(6);
      switch (kind) {
        case 0 -> { // random bytes
          byte[] junk = new byte[random.nextInt(100)];
          random.nextBytes(junk);
          input = PooledByteBufAllocator.DEFAULT.buffer(junk.length).writeBytes(junk);
        }
        case 1 -> { // a valid frame cut short
          ByteBuf frame = validFrame(random, i);
          input = frame.retainedSlice(0, random.nextInt(frame.readableBytes()));
          frame.release();
        }
        case 2 -> { // a lying message length, checksum fixed up so only the length is wrong
          input = validFrame(random, i);
          input.setInt(20, random.nextInt());
          fixCrc(input);
        }
        case 3 -> { // an oversized payload length
          input = validFrame(random, i);
          input.setInt(24, LIMITS.maxPayloadBytes() + 1 + random.nextInt(1 << 20));
          fixCrc(input);
        }
        case 4 -> { // one bit flipped in the header
          input = validFrame(random, i);
          int bit = random.nextInt(FrameHeader.BYTES * 8);
          input.setByte(bit / 8, input.getByte(bit / 8) ^ (1 << (bit % 8)));
        }
        default -> input = validFrame(random, i); // valid
      }
      int length = input.readableBytes();
      byte[] copy = new byte[length];
      input.getBytes(input.readerIndex(), copy);
      // Deliver in random pieces, as TCP would.
      int at = 0;
      while (at < length && channel.isOpen()) {
        int piece = 1 + random.nextInt(length - at);
        channel.writeInbound(input.retainedSlice(input.readerIndex() + at, piece));
        at += piece;
      }
      input.release();
      channel.finishAndReleaseAll();
      if (kind == 5) {
        assertThat(sink.headers).as("seed %d, input %d", seed, i).hasSize(1);
        assertThat(sink.payloads.getFirst())
            .isEqualTo(
                java.util.Arrays.copyOfRange(
                    copy, length - sink.payloads.getFirst().length, length));
        decodedValid++;
      } else if (kind == 3 || kind == 4) {
        // A flipped bit may land in a field the checksum covers (always caught) or make an oversize
        // length.
        assertThat(sink.headers).as("seed %d, input %d kind %d", seed, i, kind).isEmpty();
        closedOnMalformed++;
      }
    }
    assertThat(decodedValid).isPositive();
    assertThat(closedOnMalformed).isPositive();
  }

  @Test
  void malformedHeaderClosesTheChannel() {
    EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(LIMITS), new Sink());
    ByteBuf junk = PooledByteBufAllocator.DEFAULT.buffer(64).writeZero(64);
    channel.writeInbound(junk);
    assertThat(channel.isOpen()).isFalse();
    channel.finishAndReleaseAll();
  }

  @Test
  void oversizedLengthsAreRejectedBeforeAllocation() {
    ByteBuf frame = validFrame(new Random(5), 1);
    frame.setInt(20, Integer.MAX_VALUE);
    fixCrc(frame);
    MalformedFrameException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            MalformedFrameException.class, () -> FrameHeader.peek(frame, LIMITS));
    assertThat(e.getMessage()).contains("over the limit of 65536");
    frame.release();
  }

  private static void fixCrc(ByteBuf frame) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    byte[] head = new byte[28];
    frame.getBytes(0, head);
    crc.update(head);
    frame.setInt(28, (int) crc.getValue());
  }
}
