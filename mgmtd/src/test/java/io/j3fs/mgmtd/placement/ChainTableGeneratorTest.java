package io.j3fs.mgmtd.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChainTableGeneratorTest {
  private static List<Disk> disks(int count, int perNode) {
    List<Disk> disks = new ArrayList<>();
    for (int d = 0; d < count; d++) {
      disks.add(Disk.of(1 + d / perNode, d % perNode));
    }
    return disks;
  }

  /**
   * Targets per disk that make a perfectly balanced table arithmetically possible: integer pair
   * counts, whole chains.
   */
  private static int balancedTargetsPerDisk(int v, int perNode, int r) {
    int partners = v - perNode; // a disk can share chains only with disks on other nodes
    int step = partners / gcd(partners, r - 1);
    int k = step;
    while ((long) v * k % r != 0) {
      k += step;
    }
    return k;
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  @Test
  void threeFsExampleSpreadsAFailedDisksReadsEvenly() {
    ChainTableGenerator.Result table = ChainTableGenerator.generate(disks(6, 1), 5, 3, 1);
    assertThat(table.chains()).hasSize(10);
    assertThat(table.slotsPerDisk()).containsOnly(5);
    assertThat(table.worstSurvivorLoadRatio()).isEqualTo(1.0);
    assertThat(table.worstSurvivorIncrease())
        .isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void gridOfDisksAndReplicationFactorsStaysBalanced() {
    double worstOverall = 1.0;
    String worstCase = "";
    for (int replicas : new int[] {2, 3}) {
      for (int v = Math.max(3, replicas); v <= 64; v++) {
        for (int perNode : new int[] {1, 2}) {
          if (v / perNode < replicas || v % perNode != 0) {
            continue;
          }
          int k = balancedTargetsPerDisk(v, perNode, replicas);
          List<Disk> disks = disks(v, perNode);
          ChainTableGenerator.Result table =
              ChainTableGenerator.generate(disks, k, replicas, v * 31L + replicas);
          String context =
              v
                  + " disks ("
                  + perNode
                  + " per node), "
                  + replicas
                  + " replicas, "
                  + k
                  + " targets per disk";
          assertThat(table.slotsPerDisk()).as(context).containsOnly(k);
          for (List<Integer> chain : table.chains()) {
            Set<Object> nodes = new HashSet<>();
            for (int disk : chain) {
              assertThat(nodes.add(disks.get(disk).node()))
                  .as(context + ": two replicas on one node")
                  .isTrue();
            }
          }
          int[] heads = table.headsPerDisk();
          int minHeads = Integer.MAX_VALUE;
          int maxHeads = 0;
          for (int h : heads) {
            minHeads = Math.min(minHeads, h);
            maxHeads = Math.max(maxHeads, h);
          }
          assertThat(maxHeads - minHeads).as(context + ": head balance").isLessThanOrEqualTo(2);
          double ratio = table.worstSurvivorLoadRatio();
          assertThat(ratio).as(context).isLessThan(1.15);
          if (ratio > worstOverall) {
            worstOverall = ratio;
            worstCase = context;
          }
        }
      }
    }
    System.out.printf(
        "worst max/min survivor load ratio over the grid: %.4f (%s)%n", worstOverall, worstCase);
  }

  @Test
  void impossibleTablesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> ChainTableGenerator.generate(disks(4, 1), 1, 3, 1))
        .hasMessageContaining("not divisible into chains of 3");
    assertThatThrownBy(() -> ChainTableGenerator.generate(disks(4, 2), 3, 3, 1))
        .hasMessageContaining("at least 3 nodes");
  }
}
