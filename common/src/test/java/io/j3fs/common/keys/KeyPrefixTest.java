package io.j3fs.common.keys;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.bytes.ByteKeys;
import org.junit.jupiter.api.Test;

class KeyPrefixTest {
  @Test
  void prefixesAreDistinctFourByteAsciiBelowTheReservedRange() {
    for (KeyPrefix a : KeyPrefix.values()) {
      assertThat(a.bytes()).hasSize(4);
      assertThat(a.bytes()[0] & 0xff).isLessThan(0x80);
      for (KeyPrefix b : KeyPrefix.values()) {
        if (a != b) {
          assertThat(ByteKeys.startsWith(a.bytes(), b.bytes())).isFalse();
        }
      }
    }
    assertThat(
            new String(
                KeyPrefix.SINGLETON.key("MgmtdLease"), java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("SINGMgmtdLease");
  }
}
