package io.j3fs.common.status;

/**
 * A failure with a {@link StatusCode} and a short, human-readable message that names what was
 * wrong.
 *
 * <p>This is how failures cross layers inside one process; across processes only the code and
 * message travel, never the Java exception text or stack. Stack traces are not captured for
 * {@linkplain StatusCode#ordinary() ordinary} codes (retriable ones, and the namespace's answers):
 * they are expected control flow in retry loops and lookups, and filling in a stack per conflict or
 * missing name would cost more than the work itself.
 */
public class StatusException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final StatusCode code;

  public StatusException(StatusCode code, String message) {
    this(code, message, null);
  }

  public StatusException(StatusCode code, String message, Throwable cause) {
    super(message, cause, false, !code.ordinary());
    this.code = code;
  }

  public StatusCode code() {
    return code;
  }

  public boolean retriable() {
    return code.retriable();
  }

  @Override
  public String toString() {
    return code + ": " + getMessage();
  }

  /** Shorthand for an {@link StatusCode#INVALID_ARGUMENT} failure. */
  public static StatusException invalidArgument(String message) {
    return new StatusException(StatusCode.INVALID_ARGUMENT, message);
  }
}
