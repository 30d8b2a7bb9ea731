package io.j3fs.cli.server;

import io.j3fs.kv.KvEngine;
import io.j3fs.kv.KvSettings;
import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.kv.postgres.PostgresKvConfig;
import io.j3fs.kv.postgres.PostgresKvEngine;
import io.j3fs.kv.rocksdb.RocksDbKvConfig;
import io.j3fs.kv.rocksdb.RocksDbKvEngine;
import java.nio.file.Path;

/** Opens the KV engine a service's config names. */
public final class KvEngines {
  private KvEngines() {}

  public static KvEngine open(KvSettings settings) {
    return switch (settings.engine()) {
      case "memory" -> new MemoryKvEngine();
      case "rocksdb" -> {
        RocksDbKvConfig config = RocksDbKvConfig.at(Path.of(settings.path()));
        if ("wal".equals(settings.durability())) {
          config = config.withDurability(RocksDbKvConfig.Durability.WAL);
        }
        yield new RocksDbKvEngine(config);
      }
      case "postgres" -> {
        PostgresKvConfig config =
            PostgresKvConfig.of(
                settings.jdbcUrl(),
                settings.user(),
                settings.password() == null ? "" : settings.password());
        if (settings.table() != null) {
          config = config.withTable(settings.table());
        }
        if (settings.maxPoolSize() != null) {
          config = config.withMaxPoolSize(settings.maxPoolSize());
        }
        yield new PostgresKvEngine(config);
      }
      default -> throw new IllegalArgumentException("unknown kv engine " + settings.engine());
    };
  }
}
