package io.j3fs.net;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;

/**
 * A frame that breaks the format or the limits: its connection is closed with this reason logged.
 */
public final class MalformedFrameException extends StatusException {
  private static final long serialVersionUID = 1L;

  public MalformedFrameException(String reason) {
    super(StatusCode.MALFORMED_FRAME, reason);
  }
}
