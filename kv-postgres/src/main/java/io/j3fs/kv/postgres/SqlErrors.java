package io.j3fs.kv.postgres;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Maps PostgreSQL errors (by SQLSTATE) to status codes, so nothing above the engine sees SQL
 * exception text.
 */
final class SqlErrors {
  private SqlErrors() {}

  /**
   * @param what what was being done, for the message
   * @param commitSent true if the failure came from COMMIT itself: a lost connection then leaves
   *     the outcome unknown
   */
  static StatusException map(String what, SQLException e, boolean commitSent) {
    String state = e.getSQLState();
    StatusCode code;
    if (e instanceof SQLTransientConnectionException) {
      code = StatusCode.BUSY; // no free connection in the pool within the timeout
    } else if (state == null || state.startsWith("08") || state.startsWith("57P")) {
      // Connection failure, or the server shutting down / restarting.
      code = commitSent ? StatusCode.COMMIT_UNKNOWN : StatusCode.UNAVAILABLE;
    } else {
      code =
          switch (state) {
            case "40001", "40P01" ->
                StatusCode.TRANSACTION_CONFLICT; // serialization failure, deadlock
            case "23505" -> StatusCode.TRANSACTION_CONFLICT; // a must-not-exist system key exists
            case "53100" -> StatusCode.NO_SPACE; // disk full
            case "53300", "53200", "53000" ->
                StatusCode.BUSY; // too many connections, out of memory
            case "54000" -> StatusCode.INVALID_ARGUMENT; // program limit exceeded
            default -> StatusCode.INTERNAL;
          };
    }
    return new StatusException(
        code, what + ": postgres " + state + ": " + firstLine(e.getMessage()), e);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
