package io.j3fs.proto;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.proto.debug.EchoReq;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireCatalogTest {
  /**
   * Every id ever released stays as it was: wire-ids.txt lists "Service.Method serviceId methodId"
   * (and retired ids as "Service.retired serviceId methodId"). Adding a method means adding its
   * line; changing or removing a line means breaking every peer that still speaks the old schema,
   * so this test refuses it.
   */
  @Test
  void releasedIdsNeverChange() throws IOException {
    List<String> released = new ArrayList<>();
    try (InputStream in = WireCatalogTest.class.getResourceAsStream("/wire-ids.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          released.add(line.trim());
        }
      }
    }
    List<String> current = new ArrayList<>();
    for (WireMethod method : WireCatalog.get().methods()) {
      current.add(method.fullName() + " " + method.serviceId() + " " + method.methodId());
    }
    for (WireMethod method : WireCatalog.get().methods()) {
      for (int retired : WireCatalog.get().retiredMethodIds(method.serviceId())) {
        String line = method.serviceName() + ".retired " + method.serviceId() + " " + retired;
        if (!current.contains(line)) {
          current.add(line);
        }
      }
    }
    assertThat(current).containsAll(released);
    assertThat(released).as("every current method is listed in wire-ids.txt").containsAll(current);
  }

  @Test
  void methodsResolveByIdAndByName() {
    WireMethod echo = WireCatalog.get().method("Debug.Echo");
    assertThat(echo.serviceId()).isEqualTo(1);
    assertThat(echo.methodId()).isEqualTo(1);
    assertThat(echo.requestPrototype()).isEqualTo(EchoReq.getDefaultInstance());
    assertThat(WireCatalog.get().method(1, 1)).isSameAs(echo);
    assertThat(WireCatalog.get().method(1, 999)).isNull();
    assertThat(WireCatalog.get().retiredMethodIds(2)).containsExactly(2);
    assertThat(WireCatalog.get().method(2, 2)).isNull();
  }
}
