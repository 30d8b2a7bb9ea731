package io.j3fs.common.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which failures carry a stack trace: faults do, ordinary answers (retries, namespace) do not. */
class StatusExceptionTest {
  @Test
  void onlyFaultsCaptureAStackTrace() {
    for (StatusCode code : StatusCode.values()) {
      StatusException e = new StatusException(code, "x");
      boolean ordinary =
          code.retriable() || code.name().equals("NOT_FOUND") || code.number() / 100 == 4;
      assertThat(e.getStackTrace().length == 0).as(code.name()).isEqualTo(ordinary);
    }
    assertThat(StatusCode.NOT_FOUND.ordinary()).isTrue();
    assertThat(StatusCode.EXISTS.ordinary()).isTrue();
    assertThat(StatusCode.TRANSACTION_CONFLICT.ordinary()).isTrue();
    assertThat(StatusCode.INTERNAL.ordinary()).isFalse();
    assertThat(StatusCode.NO_SPACE.ordinary()).isFalse();
  }
}
