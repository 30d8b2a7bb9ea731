package io.j3fs.common.id;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkIdTest {
  @Test
  void fieldsRoundTripAndOrderByInodeThenIndex() {
    ChunkId id = ChunkId.of(0x0102030405060708L, 7, 0xfffffffeL);
    assertThat(id.inodeId()).isEqualTo(0x0102030405060708L);
    assertThat(id.track()).isEqualTo(7);
    assertThat(id.chunkIndex()).isEqualTo(0xfffffffeL);
    assertThat(ChunkId.fromBytes(id.toBytes())).isEqualTo(id);
    assertThat(ChunkId.of(5, 2)).isLessThan(ChunkId.of(5, 10)).isLessThan(ChunkId.of(6, 0));
    // Unsigned order: a high inode id sorts after a low one.
    assertThat(ChunkId.of(-1L, 0)).isGreaterThan(ChunkId.of(1, 0));
    assertThatThrownBy(() -> ChunkId.fromBytes(new byte[15]))
        .hasMessageContaining("16 bytes, got 15");
  }
}
