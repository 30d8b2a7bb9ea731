package io.j3fs.kv;

/**
 * Which KV engine a service uses, as written in its TOML file ({@code [kv]} table). Only the keys
 * of the chosen engine are read.
 *
 * @param engine {@code memory}, {@code rocksdb} or {@code postgres}
 * @param path RocksDB: the database directory
 * @param durability RocksDB: {@code fsync} (default) or {@code wal}
 * @param jdbcUrl PostgreSQL: for example {@code jdbc:postgresql://127.0.0.1:5432/j3fs}
 * @param user PostgreSQL user
 * @param password PostgreSQL password (empty by default)
 * @param table PostgreSQL table (default {@code j3fs_kv})
 * @param maxPoolSize PostgreSQL connections (default 32)
 */
public record KvSettings(
    String engine,
    String path,
    String durability,
    String jdbcUrl,
    String user,
    String password,
    String table,
    Integer maxPoolSize) {
  public KvSettings {
    if (engine == null) {
      throw new IllegalArgumentException("kv.engine is required: memory, rocksdb or postgres");
    }
    switch (engine) {
      case "memory" -> {}
      case "rocksdb" -> {
        if (path == null || path.isBlank()) {
          throw new IllegalArgumentException("kv.path is required for the rocksdb engine");
        }
        if (durability != null && !durability.equals("fsync") && !durability.equals("wal")) {
          throw new IllegalArgumentException(
              "kv.durability must be fsync or wal, got '" + durability + "'");
        }
      }
      case "postgres" -> {
        if (jdbcUrl == null || user == null) {
          throw new IllegalArgumentException(
              "kv.jdbc_url and kv.user are required for the postgres engine");
        }
      }
      default ->
          throw new IllegalArgumentException(
              "kv.engine must be memory, rocksdb or postgres, got '" + engine + "'");
    }
  }
}
