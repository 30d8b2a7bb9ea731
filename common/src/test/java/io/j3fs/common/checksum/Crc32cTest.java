package io.j3fs.common.checksum;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Crc32cTest {
  @Test
  void knownVector() {
    // The check value of CRC-32C (RFC 3720): "123456789" -> 0xE3069283.
    assertThat(Crc32c.of("123456789".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xE3069283);
  }

  @Test
  void combineEqualsTheCrcOfTheConcatenation() {
    long seed = System.nanoTime();
    System.out.println("Crc32cTest seed " + seed);
    Random random = new Random(seed);
    for (int round = 0; round < 500; round++) {
      byte[] bytes = new byte[random.nextInt(20_000)];
      random.nextBytes(bytes);
      int split = bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1);
      int a = Crc32c.of(bytes, 0, split);
      int b = Crc32c.of(bytes, split, bytes.length - split);
      assertThat(Crc32c.combine(a, b, bytes.length - split))
          .as("seed %d round %d", seed, round)
          .isEqualTo(Crc32c.of(bytes));
    }
  }

  @Test
  void severalBuffersChecksumAsTheirConcatenation() {
    byte[] data = "the quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.US_ASCII);
    java.nio.ByteBuffer[] parts = {
      java.nio.ByteBuffer.wrap(data, 0, 10),
      java.nio.ByteBuffer.allocateDirect(0),
      java.nio.ByteBuffer.allocateDirect(20).put(data, 10, 20).flip(),
      java.nio.ByteBuffer.wrap(data, 30, data.length - 30)
    };
    assertThat(Crc32c.of(parts)).isEqualTo(Crc32c.of(data));
    assertThat(parts[2].position()).isZero();
  }

  @Test
  void zerosMatchesAnArrayOfZeros() {
    assertThat(Crc32c.zeros(100_000)).isEqualTo(Crc32c.of(new byte[100_000]));
    assertThat(Crc32c.zeros(0)).isZero();
  }

  @Test
  void aFixedLengthCombinerAgreesWithCombine() {
    Random random = new Random(7);
    Crc32c.FixedLengthCombiner combiner = Crc32c.combinerFor(4096);
    for (int round = 0; round < 100; round++) {
      byte[] a = new byte[random.nextInt(10_000)];
      byte[] b = new byte[4096];
      random.nextBytes(a);
      random.nextBytes(b);
      assertThat(combiner.combine(Crc32c.of(a), Crc32c.of(b)))
          .isEqualTo(Crc32c.combine(Crc32c.of(a), Crc32c.of(b), 4096));
    }
  }
}
