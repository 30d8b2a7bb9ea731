package io.j3fs.common.checksum;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli), the checksum of every chunk and block j3fs stores, with {@link #combine}:
 * the CRC of A followed by B from the CRCs of A and B and the length of B, without the bytes. That
 * lets a chunk's checksum be assembled from the checksums of its blocks, so a partial update
 * recomputes only the blocks it touched.
 *
 * <p>Computation uses the JDK's intrinsic (hardware CRC32C instructions). Combination follows the
 * classic zlib construction: apply the "append len(B) zero bytes" operator to crc(A) as a GF(2)
 * matrix raised by repeated squaring, then xor crc(B).
 */
public final class Crc32c {
  private Crc32c() {}

  /** The reflected Castagnoli polynomial. */
  private static final int POLY = 0x82F63B78;

  public static int of(byte[] bytes) {
    return of(bytes, 0, bytes.length);
  }

  public static int of(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  /** The CRC of the buffer's remaining bytes; its position is not moved. */
  public static int of(ByteBuffer buffer) {
    CRC32C crc = new CRC32C();
    crc.update(buffer.duplicate());
    return (int) crc.getValue();
  }

  /**
   * The CRC of the remaining bytes of several buffers, one after another (a composite buffer's
   * components, without first copying them into one); positions are not moved.
   */
  public static int of(ByteBuffer[] buffers) {
    CRC32C crc = new CRC32C();
    for (ByteBuffer buffer : buffers) {
      crc.update(buffer.duplicate());
    }
    return (int) crc.getValue();
  }

  /** The CRC of {@code length} zero bytes. */
  public static int zeros(long length) {
    if (length == 0) {
      return 0;
    }
    byte[] zeros = new byte[(int) Math.min(length, 64 * 1024)];
    CRC32C crc = new CRC32C();
    long left = length;
    while (left > 0) {
      int n = (int) Math.min(left, zeros.length);
      crc.update(zeros, 0, n);
      left -= n;
    }
    return (int) crc.getValue();
  }

  /** crc(A ++ B) given crc(A), crc(B) and len(B). */
  public static int combine(int crcA, int crcB, long lengthB) {
    if (lengthB <= 0) {
      return crcA;
    }
    int[] even = new int[32];
    int[] odd = new int[32];
    // Operator for one zero bit.
    odd[0] = POLY;
    int row = 1;
    for (int n = 1; n < 32; n++) {
      odd[n] = row;
      row <<= 1;
    }
    square(even, odd); // two zero bits
    square(odd, even); // four zero bits
    int crc = crcA;
    long len = lengthB;
    // Apply len zero bytes: the first squaring below gives the one-byte operator.
    do {
      square(even, odd);
      if ((len & 1) != 0) {
        crc = times(even, crc);
      }
      len >>>= 1;
      if (len == 0) {
        break;
      }
      square(odd, even);
      if ((len & 1) != 0) {
        crc = times(odd, crc);
      }
      len >>>= 1;
    } while (len != 0);
    return crc ^ crcB;
  }

  private static int times(int[] matrix, int vector) {
    int sum = 0;
    int i = 0;
    while (vector != 0) {
      if ((vector & 1) != 0) {
        sum ^= matrix[i];
      }
      vector >>>= 1;
      i++;
    }
    return sum;
  }

  private static void square(int[] square, int[] matrix) {
    for (int n = 0; n < 32; n++) {
      square[n] = times(matrix, matrix[n]);
    }
  }

  /**
   * Combines with a fixed length of B, precomputed: {@code combine(a, b)} costs 32 steps instead of
   * a matrix exponentiation, for folding many equal-sized blocks into one checksum.
   */
  public static final class FixedLengthCombiner {
    private final int[] operator;

    private FixedLengthCombiner(long lengthB) {
      // The operator that appends lengthB zero bytes: its column i is the image of bit i.
      operator = new int[32];
      for (int bit = 0; bit < 32; bit++) {
        operator[bit] = Crc32c.combine(1 << bit, 0, lengthB);
      }
    }

    public int combine(int crcA, int crcB) {
      return times(operator, crcA) ^ crcB;
    }
  }

  public static FixedLengthCombiner combinerFor(long lengthB) {
    if (lengthB <= 0) {
      throw new IllegalArgumentException("combiner length must be positive, got " + lengthB);
    }
    return new FixedLengthCombiner(lengthB);
  }
}
