package io.j3fs.kv.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The key ranges a transaction read (without snapshot) or declared, collected for commit-time
 * validation.
 */
public final class ReadConflicts {
  private final List<byte[]> begins = new ArrayList<>();
  private final List<byte[]> ends = new ArrayList<>();

  /**
   * Records {@code [begin, end)}; the arrays must not be changed afterwards (callers pass copies or
   * fresh arrays).
   */
  public void add(byte[] begin, byte[] end) {
    begins.add(begin);
    ends.add(end);
  }

  public boolean isEmpty() {
    return begins.isEmpty();
  }

  public KeyRanges toRanges() {
    return KeyRanges.normalize(begins, ends);
  }
}
