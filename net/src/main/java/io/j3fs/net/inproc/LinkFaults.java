package io.j3fs.net.inproc;

/**
 * What an in-process link does to each message: a delay drawn uniformly from {@code [minDelayMs,
 * maxDelayMs]} (unequal delays reorder messages), a chance to drop it, a chance to deliver it
 * twice, or a partition that drops everything.
 */
public record LinkFaults(
    long minDelayMs,
    long maxDelayMs,
    double dropProbability,
    double duplicateProbability,
    boolean partitioned) {
  public static final LinkFaults NONE = new LinkFaults(0, 0, 0, 0, false);
  public static final LinkFaults PARTITIONED = new LinkFaults(0, 0, 0, 0, true);

  public LinkFaults {
    if (minDelayMs < 0 || maxDelayMs < minDelayMs) {
      throw new IllegalArgumentException("delays must satisfy 0 <= min <= max");
    }
    if (dropProbability < 0
        || dropProbability > 1
        || duplicateProbability < 0
        || duplicateProbability > 1) {
      throw new IllegalArgumentException("probabilities must be in [0, 1]");
    }
  }
}
