package io.j3fs.kv.postgres;

import java.util.regex.Pattern;

/**
 * Settings of the PostgreSQL engine.
 *
 * @param jdbcUrl for example {@code jdbc:postgresql://127.0.0.1:5432/j3fs}
 * @param user database user
 * @param password database password; empty for trust or peer authentication
 * @param table name of the key-value table (created if missing); lower-case letters, digits and '_'
 * @param maxPoolSize connections for transactions; snapshot reads use a second pool of the same
 *     size
 * @param connectionTimeoutMs how long to wait for a free connection before answering BUSY
 */
public record PostgresKvConfig(
    String jdbcUrl,
    String user,
    String password,
    String table,
    int maxPoolSize,
    long connectionTimeoutMs) {
  private static final Pattern TABLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  public PostgresKvConfig {
    if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "postgres jdbcUrl must start with jdbc:postgresql:, got " + jdbcUrl);
    }
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException("postgres user is required");
    }
    if (password == null) {
      password = "";
    }
    if (table == null || !TABLE_NAME.matcher(table).matches()) {
      throw new IllegalArgumentException(
          "postgres table must be 1-63 lower-case letters, digits or '_' starting with a letter or '_', got "
              + table);
    }
    if (maxPoolSize < 2) {
      throw new IllegalArgumentException(
          "postgres maxPoolSize must be at least 2, got " + maxPoolSize);
    }
    if (connectionTimeoutMs < 250) {
      throw new IllegalArgumentException(
          "postgres connectionTimeoutMs must be at least 250, got " + connectionTimeoutMs);
    }
  }

  public static PostgresKvConfig of(String jdbcUrl, String user, String password) {
    return new PostgresKvConfig(jdbcUrl, user, password, "j3fs_kv", 32, 5_000);
  }

  public PostgresKvConfig withTable(String newTable) {
    return new PostgresKvConfig(
        jdbcUrl, user, password, newTable, maxPoolSize, connectionTimeoutMs);
  }

  public PostgresKvConfig withMaxPoolSize(int size) {
    return new PostgresKvConfig(jdbcUrl, user, password, table, size, connectionTimeoutMs);
  }
}
