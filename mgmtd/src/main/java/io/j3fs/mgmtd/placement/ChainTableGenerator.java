package io.j3fs.mgmtd.placement;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Generates balanced chain tables: given disks on nodes, targets per disk and the replication
 * factor, chains of {@code replicas} targets such that
 *
 * <ul>
 *   <li>every disk carries exactly {@code targetsPerDisk} chain slots (equal load before any
 *       failure);
 *   <li>no chain holds two replicas on one node (a node failure costs a chain one replica at most);
 *   <li>any two disks on different nodes share as equal a number of chains as possible, so that
 *       when one disk fails, its read load spreads evenly over the disks on other nodes (3FS's
 *       balanced incomplete block design: with 6 disks, 3 replicas and 5 targets per disk, each
 *       survivor takes +20% instead of +50%);
 *   <li>each disk is the head (which takes client writes) of as equal a number of chains as
 *       possible.
 * </ul>
 *
 * <p>3FS solves this with an integer-programming solver. Here: a greedy construction that always
 * extends a chain with the least-paired eligible disk, then a seeded local search that swaps disks
 * between chains (which keeps every disk's slot count) while it lowers the spread of pair counts.
 * Deterministic for a given seed; bounded work.
 */
public final class ChainTableGenerator {
  private static final int MAX_CONSTRUCTION_ATTEMPTS = 50;

  private ChainTableGenerator() {}

  /**
   * @return chains as lists of disk indexes into {@code disks}, head first
   * @throws IllegalArgumentException naming what cannot be satisfied
   */
  public static Result generate(List<Disk> disks, int targetsPerDisk, int replicas, long seed) {
    int v = disks.size();
    if (replicas < 1 || targetsPerDisk < 1) {
      throw new IllegalArgumentException("replicas and targets per disk must be at least 1");
    }
    Set<Object> nodes = new HashSet<>();
    for (Disk disk : disks) {
      nodes.add(disk.node());
    }
    if (nodes.size() < replicas) {
      throw new IllegalArgumentException(
          replicas
              + " replicas need disks on at least "
              + replicas
              + " nodes, got "
              + nodes.size());
    }
    if (new HashSet<>(disks).size() != v) {
      throw new IllegalArgumentException("the same disk is listed twice");
    }
    if ((long) v * targetsPerDisk % replicas != 0) {
      throw new IllegalArgumentException(
          v
              + " disks x "
              + targetsPerDisk
              + " targets per disk = "
              + (long) v * targetsPerDisk
              + " slots, not divisible into chains of "
              + replicas);
    }
    int chainCount = v * targetsPerDisk / replicas;
    int[] nodeOf = nodeIndexes(disks);
    Random random = new Random(seed);
    int[][] chains = null;
    for (int attempt = 0; attempt < MAX_CONSTRUCTION_ATTEMPTS && chains == null; attempt++) {
      chains = construct(v, nodeOf, targetsPerDisk, replicas, chainCount, random);
    }
    if (chains == null) {
      throw new IllegalArgumentException(
          "could not place "
              + chainCount
              + " chains of "
              + replicas
              + " on these disks without two replicas on one node: a node holds too many of the disks");
    }
    improve(chains, v, nodeOf, random);
    balanceHeads(chains, v);
    List<List<Integer>> out = new ArrayList<>(chainCount);
    for (int[] chain : chains) {
      out.add(Arrays.stream(chain).boxed().toList());
    }
    return new Result(List.copyOf(disks), targetsPerDisk, replicas, out);
  }

  private static int[] nodeIndexes(List<Disk> disks) {
    List<Object> nodes = new ArrayList<>();
    int[] nodeOf = new int[disks.size()];
    for (int d = 0; d < disks.size(); d++) {
      int index = nodes.indexOf(disks.get(d).node());
      if (index < 0) {
        index = nodes.size();
        nodes.add(disks.get(d).node());
      }
      nodeOf[d] = index;
    }
    return nodeOf;
  }

  /**
   * Greedy: each chain starts at the disk with most free slots, then adds the least-paired eligible
   * disks.
   */
  private static int[][] construct(
      int v, int[] nodeOf, int k, int r, int chainCount, Random random) {
    int[] free = new int[v];
    Arrays.fill(free, k);
    int[][] pairs = new int[v][v];
    int[][] chains = new int[chainCount][r];
    for (int c = 0; c < chainCount; c++) {
      for (int position = 0; position < r; position++) {
        int best = -1;
        long bestScore = Long.MAX_VALUE;
        int ties = 0;
        for (int d = 0; d < v; d++) {
          if (free[d] == 0 || conflicts(chains[c], position, d, nodeOf)) {
            continue;
          }
          long paired = 0;
          for (int p = 0; p < position; p++) {
            paired += pairs[d][chains[c][p]];
          }
          // Fewest shared chains first, then most free slots (so no disk is left with slots it
          // cannot fill).
          long score = paired * (k + 1L) * v - free[d] * (long) v;
          if (score < bestScore) {
            bestScore = score;
            best = d;
            ties = 1;
          } else if (score == bestScore && random.nextInt(++ties) == 0) {
            best = d;
          }
        }
        if (best < 0) {
          return null; // painted into a corner: try again with other tie-breaks
        }
        chains[c][position] = best;
        free[best]--;
        for (int p = 0; p < position; p++) {
          pairs[best][chains[c][p]]++;
          pairs[chains[c][p]][best]++;
        }
      }
    }
    return chains;
  }

  private static boolean conflicts(int[] chain, int filled, int disk, int[] nodeOf) {
    for (int p = 0; p < filled; p++) {
      if (chain[p] == disk || nodeOf[chain[p]] == nodeOf[disk]) {
        return true;
      }
    }
    return false;
  }

  /**
   * Local search: swap a disk of one chain with a disk of another when that lowers the sum of
   * squared pair counts (equal counts minimize it). Bounded by a number of proposals proportional
   * to the table size.
   */
  private static void improve(int[][] chains, int v, int[] nodeOf, Random random) {
    int r = chains[0].length;
    if (r < 2 || chains.length < 2) {
      return;
    }
    int[][] pairs = new int[v][v];
    for (int[] chain : chains) {
      for (int i = 0; i < r; i++) {
        for (int j = i + 1; j < r; j++) {
          pairs[chain[i]][chain[j]]++;
          pairs[chain[j]][chain[i]]++;
        }
      }
    }
    long proposals = Math.min(4_000_000L, 2_000L * chains.length * r);
    int stale = 0;
    for (long n = 0; n < proposals && stale < 200_000; n++) {
      int c1 = random.nextInt(chains.length);
      int c2 = random.nextInt(chains.length);
      if (c1 == c2) {
        continue;
      }
      int p1 = random.nextInt(r);
      int p2 = random.nextInt(r);
      int a = chains[c1][p1];
      int b = chains[c2][p2];
      if (a == b
          || !canReplace(chains[c1], p1, b, nodeOf)
          || !canReplace(chains[c2], p2, a, nodeOf)) {
        stale++;
        continue;
      }
      long delta = 0;
      // Pair changes: a leaves c1 and b joins it; b leaves c2 and a joins it.
      for (int i = 0; i < r; i++) {
        if (i != p1) {
          int x = chains[c1][i];
          delta += square(pairs[a][x] - 1) - square(pairs[a][x]);
          delta += square(pairs[b][x] + 1) - square(pairs[b][x]);
        }
      }
      for (int i = 0; i < r; i++) {
        if (i != p2) {
          int x = chains[c2][i];
          // Counts already moved by the first half matter when x also sits in c1.
          int bx = pairs[b][x] + (inChain(chains[c1], p1, x) ? 1 : 0);
          int ax = pairs[a][x] - (inChain(chains[c1], p1, x) ? 1 : 0);
          delta += square(bx - 1) - square(bx);
          delta += square(ax + 1) - square(ax);
        }
      }
      if (delta <= 0 && (delta < 0 || random.nextInt(4) == 0)) {
        apply(chains, pairs, c1, p1, b);
        apply(chains, pairs, c2, p2, a);
        stale = delta < 0 ? 0 : stale + 1;
      } else {
        stale++;
      }
    }
  }

  private static boolean inChain(int[] chain, int skip, int disk) {
    for (int i = 0; i < chain.length; i++) {
      if (i != skip && chain[i] == disk) {
        return true;
      }
    }
    return false;
  }

  private static boolean canReplace(int[] chain, int position, int disk, int[] nodeOf) {
    for (int i = 0; i < chain.length; i++) {
      if (i != position && (chain[i] == disk || nodeOf[chain[i]] == nodeOf[disk])) {
        return false;
      }
    }
    return true;
  }

  private static void apply(int[][] chains, int[][] pairs, int c, int position, int disk) {
    int old = chains[c][position];
    for (int i = 0; i < chains[c].length; i++) {
      if (i != position) {
        int x = chains[c][i];
        pairs[old][x]--;
        pairs[x][old]--;
        pairs[disk][x]++;
        pairs[x][disk]++;
      }
    }
    chains[c][position] = disk;
  }

  private static long square(long x) {
    return x * x;
  }

  /**
   * Chooses each chain's head so that head counts are as even as possible: first the member heading
   * the fewest chains so far, then passes that move a head to a member heading at least two fewer,
   * until none applies (each move lowers the sum of squared head counts, so the passes end; they
   * are bounded anyway).
   */
  private static void balanceHeads(int[][] chains, int v) {
    int[] heads = new int[v];
    for (int[] chain : chains) {
      int best = 0;
      for (int i = 1; i < chain.length; i++) {
        if (heads[chain[i]] < heads[chain[best]]) {
          best = i;
        }
      }
      swap(chain, 0, best);
      heads[chain[0]]++;
    }
    for (int pass = 0; pass < 1000; pass++) {
      boolean moved = false;
      for (int[] chain : chains) {
        int best = 0;
        for (int i = 1; i < chain.length; i++) {
          if (heads[chain[i]] < heads[chain[best]]) {
            best = i;
          }
        }
        if (heads[chain[best]] + 2 <= heads[chain[0]]) {
          heads[chain[0]]--;
          heads[chain[best]]++;
          swap(chain, 0, best);
          moved = true;
        }
      }
      if (!moved) {
        return;
      }
    }
  }

  private static void swap(int[] chain, int i, int j) {
    int t = chain[i];
    chain[i] = chain[j];
    chain[j] = t;
  }

  /** A generated table and its balance figures. */
  public record Result(
      List<Disk> disks, int targetsPerDisk, int replicas, List<List<Integer>> chains) {
    /** How many chains each disk is in. */
    public int[] slotsPerDisk() {
      int[] slots = new int[disks.size()];
      for (List<Integer> chain : chains) {
        for (int disk : chain) {
          slots[disk]++;
        }
      }
      return slots;
    }

    /** How many chains each disk heads. */
    public int[] headsPerDisk() {
      int[] heads = new int[disks.size()];
      for (List<Integer> chain : chains) {
        heads[chain.getFirst()]++;
      }
      return heads;
    }

    /**
     * The worst, over every disk that may fail, of max/min read load among the disks on other nodes
     * afterwards. Every target serves an equal share of its chain's reads; a failed disk's share
     * moves evenly to the other members of each of its chains. 1.0 means perfectly even.
     */
    public double worstSurvivorLoadRatio() {
      int v = disks.size();
      if (replicas < 2) {
        return 1.0;
      }
      double[][] shared = new double[v][v];
      for (List<Integer> chain : chains) {
        for (int a : chain) {
          for (int b : chain) {
            if (a != b) {
              shared[a][b]++;
            }
          }
        }
      }
      int[] slots = slotsPerDisk();
      double worst = 1.0;
      for (int failed = 0; failed < v; failed++) {
        double max = 0;
        double min = Double.MAX_VALUE;
        for (int survivor = 0; survivor < v; survivor++) {
          if (survivor == failed || disks.get(survivor).node().equals(disks.get(failed).node())) {
            continue;
          }
          double load =
              slots[survivor] / (double) replicas
                  + shared[failed][survivor] / (replicas * (replicas - 1.0));
          max = Math.max(max, load);
          min = Math.min(min, load);
        }
        if (min < Double.MAX_VALUE && min > 0) {
          worst = Math.max(worst, max / min);
        }
      }
      return worst;
    }

    /**
     * The largest extra load a single disk failure puts on a survivor, relative to its load before
     * (0.2 = +20%).
     */
    public double worstSurvivorIncrease() {
      int v = disks.size();
      double[][] shared = new double[v][v];
      for (List<Integer> chain : chains) {
        for (int a : chain) {
          for (int b : chain) {
            if (a != b) {
              shared[a][b]++;
            }
          }
        }
      }
      int[] slots = slotsPerDisk();
      double worst = 0;
      for (int failed = 0; failed < v; failed++) {
        for (int survivor = 0; survivor < v; survivor++) {
          if (survivor != failed && replicas > 1) {
            double base = slots[survivor] / (double) replicas;
            double extra = shared[failed][survivor] / (replicas * (replicas - 1.0));
            worst = Math.max(worst, extra / base);
          }
        }
      }
      return worst;
    }
  }
}
