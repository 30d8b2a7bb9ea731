package io.j3fs.kv.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.IsolationModel;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.kv.spi.AbstractKvEngine;
import io.j3fs.kv.spi.BufferedTransaction;
import io.j3fs.kv.spi.StoreReader;
import io.j3fs.kv.spi.WriteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared engine: one table {@code (k bytea primary key, v bytea)} in PostgreSQL, every
 * transaction SERIALIZABLE. Several j3fs processes may use the same table at once. Only plain SQL
 * is used (no extensions, no stored procedures), so the engine also runs on PostgreSQL-compatible
 * distributed databases.
 *
 * <p>Reads go to the server at once, in the transaction's serializable snapshot, so PostgreSQL's
 * serializable snapshot isolation tracks them. Writes are buffered (read-your-writes comes from the
 * buffer) and sent at commit: range deletes, then batched upserts and deletes, then COMMIT.
 * Snapshot reads use a second connection that imports the main connection's snapshot ({@code
 * pg_export_snapshot} / {@code SET TRANSACTION SNAPSHOT}) in REPEATABLE READ, so they see the same
 * data but take no predicate locks. Explicit read conflicts are reads whose rows are thrown away.
 *
 * <p>bytea compares as unsigned bytes, then by length, which is exactly the key order of the other
 * engines.
 */
public final class PostgresKvEngine extends AbstractKvEngine {
  private static final Logger log = LoggerFactory.getLogger(PostgresKvEngine.class);
  private static final Pattern SNAPSHOT_ID = Pattern.compile("[0-9A-Fa-f-]{1,64}");

  private final PostgresKvConfig config;
  private final HikariDataSource pool;
  private final HikariDataSource snapshotPool;
  private final String getSql;
  private final String scanSql;
  private final String reverseScanSql;
  private final String conflictRangeSql;
  private final String upsertSql;
  private final String insertSql;
  private final String deleteSql;
  private final String deleteRangeSql;

  public PostgresKvEngine(PostgresKvConfig config) {
    this(config, Clock.system());
  }

  public PostgresKvEngine(PostgresKvConfig config, Clock clock) {
    super(clock);
    this.config = config;
    String t = config.table();
    this.getSql = "SELECT v FROM " + t + " WHERE k = ?";
    this.scanSql = "SELECT k, v FROM " + t + " WHERE k >= ? AND k < ? ORDER BY k LIMIT ?";
    this.reverseScanSql =
        "SELECT k, v FROM " + t + " WHERE k >= ? AND k < ? ORDER BY k DESC LIMIT ?";
    this.conflictRangeSql = "SELECT count(*) FROM " + t + " WHERE k >= ? AND k < ?";
    this.upsertSql =
        "INSERT INTO " + t + " (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v";
    this.insertSql = "INSERT INTO " + t + " (k, v) VALUES (?, ?)";
    this.deleteSql = "DELETE FROM " + t + " WHERE k = ?";
    this.deleteRangeSql = "DELETE FROM " + t + " WHERE k >= ? AND k < ?";
    this.pool = newPool("j3fs-kv-" + t, Connection.TRANSACTION_SERIALIZABLE);
    try {
      this.snapshotPool = newPool("j3fs-kv-snapshot-" + t, Connection.TRANSACTION_REPEATABLE_READ);
      createTable();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    log.info("opened postgres engine on {} table {}", config.jdbcUrl(), t);
  }

  private HikariDataSource newPool(String name, int isolation) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName(name);
    hikari.setJdbcUrl(config.jdbcUrl());
    hikari.setUsername(config.user());
    hikari.setPassword(config.password());
    hikari.setMaximumPoolSize(config.maxPoolSize());
    hikari.setMinimumIdle(0);
    hikari.setAutoCommit(false);
    hikari.setTransactionIsolation(
        isolation == Connection.TRANSACTION_SERIALIZABLE
            ? "TRANSACTION_SERIALIZABLE"
            : "TRANSACTION_REPEATABLE_READ");
    hikari.setConnectionTimeout(config.connectionTimeoutMs());
    hikari.setInitializationFailTimeout(-1);
    // Every query is a primary-key lookup or range: a sequential scan would take a relation-wide
    // predicate lock and
    // make every concurrent writer conflict.
    hikari.setConnectionInitSql("SET enable_seqscan = off");
    // With autocommit off, the init SQL would otherwise leave each new connection inside an open
    // transaction (so the
    // next setReadOnly fails, and a rollback would undo the SET); isolating internal queries
    // commits it.
    hikari.setIsolateInternalQueries(true);
    hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
    hikari.addDataSourceProperty("tcpKeepAlive", "true");
    try {
      return new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      throw new StatusException(
          StatusCode.UNAVAILABLE,
          "cannot connect to postgres at " + config.jdbcUrl() + ": " + e.getMessage(),
          e);
    }
  }

  private void createTable() {
    String ddl =
        "CREATE TABLE IF NOT EXISTS " + config.table() + " (k bytea PRIMARY KEY, v bytea NOT NULL)";
    for (int attempt = 1; ; attempt++) {
      try (Connection c = pool.getConnection();
          Statement st = c.createStatement()) {
        st.execute(ddl);
        c.commit();
        return;
      } catch (SQLException e) {
        // Two processes creating the table at once: one loses with a unique violation on the
        // catalog.
        if (attempt < 3 && ("23505".equals(e.getSQLState()) || "40001".equals(e.getSQLState()))) {
          continue;
        }
        throw SqlErrors.map("cannot create table " + config.table(), e, false);
      }
    }
  }

  @Override
  public String name() {
    return "postgres";
  }

  @Override
  public IsolationModel isolationModel() {
    return IsolationModel.SERIALIZABLE_SNAPSHOT_ISOLATION;
  }

  /** The connection can drop after COMMIT was sent and before its answer arrived. */
  @Override
  protected boolean mayLoseCommitOutcome() {
    return true;
  }

  @Override
  public Transaction begin() {
    return new PostgresTransaction(connection(false), false);
  }

  @Override
  public ReadTransaction beginRead() {
    return new PostgresTransaction(connection(true), true);
  }

  private Connection connection(boolean readOnly) {
    Connection c;
    try {
      c = pool.getConnection();
    } catch (SQLException e) {
      throw SqlErrors.map("cannot get a postgres connection", e, false);
    }
    try {
      if (readOnly) {
        c.setReadOnly(true);
      }
      return c;
    } catch (SQLException e) {
      closeQuietly(c);
      throw SqlErrors.map("cannot prepare a postgres connection", e, false);
    }
  }

  /** Drops the table: for tests that create one table each. */
  public void dropTable() {
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS " + config.table());
      c.commit();
    } catch (SQLException e) {
      throw SqlErrors.map("cannot drop table " + config.table(), e, false);
    }
  }

  @Override
  public void close() {
    snapshotPool.close();
    pool.close();
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      // The connection is broken; closing it below returns it to the pool, which evicts it.
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      log.debug("closing a postgres connection failed: {}", e.getMessage());
    }
  }

  private final class PostgresTransaction extends BufferedTransaction {
    private final PostgresReader reader;
    private final Map<byte[], byte[]> systemInserts = new TreeMap<>(ByteKeys.ORDER);

    PostgresTransaction(Connection connection, boolean readOnly) {
      this(new PostgresReader(connection), readOnly);
    }

    private PostgresTransaction(PostgresReader reader, boolean readOnly) {
      super(reader, readOnly);
      this.reader = reader;
    }

    @Override
    protected void onRangeRead(byte[] begin, byte[] end, boolean snapshot) {
      // PostgreSQL tracked the read itself.
    }

    @Override
    protected void onExplicitReadConflict(byte[] begin, byte[] end) {
      // A read whose result is ignored: it takes the same predicate locks a real read would.
      try (PreparedStatement ps = reader.main.prepareStatement(conflictRangeSql)) {
        ps.setBytes(1, begin);
        ps.setBytes(2, end);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
        }
      } catch (SQLException e) {
        throw SqlErrors.map("read conflict range failed", e, false);
      }
    }

    /**
     * A plain INSERT at commit: the primary key makes it fail (23505, a conflict) if the key
     * exists.
     */
    @Override
    public void insertSystemKey(byte[] key, byte[] value) {
      checkSystemKey(key, value);
      systemInserts.put(key.clone(), value.clone());
    }

    @Override
    protected boolean hasExtraWrites() {
      return !systemInserts.isEmpty();
    }

    @Override
    protected void commitWrites(WriteBuffer writes) {
      Connection c = reader.main;
      try {
        if (writes.rangeCount() > 0) {
          try (PreparedStatement ps = c.prepareStatement(deleteRangeSql)) {
            List<SQLException> failure = new ArrayList<>(1);
            writes.forEachRange(
                (begin, end) -> {
                  try {
                    ps.setBytes(1, begin);
                    ps.setBytes(2, end);
                    ps.addBatch();
                  } catch (SQLException e) {
                    failure.add(e);
                  }
                });
            if (!failure.isEmpty()) {
              throw failure.getFirst();
            }
            ps.executeBatch();
          }
        }
        if (writes.pointCount() > 0) {
          try (PreparedStatement upsert = c.prepareStatement(upsertSql);
              PreparedStatement delete = c.prepareStatement(deleteSql)) {
            int[] counts = new int[2];
            List<SQLException> failure = new ArrayList<>(1);
            writes.forEachPoint(
                (key, value) -> {
                  try {
                    if (value == null) {
                      delete.setBytes(1, key);
                      delete.addBatch();
                      counts[1]++;
                    } else {
                      upsert.setBytes(1, key);
                      upsert.setBytes(2, value);
                      upsert.addBatch();
                      counts[0]++;
                    }
                  } catch (SQLException e) {
                    failure.add(e);
                  }
                });
            if (!failure.isEmpty()) {
              throw failure.getFirst();
            }
            if (counts[1] > 0) {
              delete.executeBatch();
            }
            if (counts[0] > 0) {
              upsert.executeBatch();
            }
          }
        }
        if (!systemInserts.isEmpty()) {
          try (PreparedStatement insert = c.prepareStatement(insertSql)) {
            for (Map.Entry<byte[], byte[]> entry : systemInserts.entrySet()) {
              insert.setBytes(1, entry.getKey());
              insert.setBytes(2, entry.getValue());
              insert.addBatch();
            }
            insert.executeBatch();
          }
        }
      } catch (SQLException e) {
        throw SqlErrors.map("commit failed", unwrapBatch(e), false);
      }
      try {
        c.commit();
        reader.committed = true;
      } catch (SQLException e) {
        throw SqlErrors.map("commit failed", e, true);
      }
    }

    @Override
    protected void release() {
      reader.release();
    }
  }

  /**
   * A batch failure carries the server's error as its next exception; that one has the SQLSTATE
   * that matters.
   */
  private static SQLException unwrapBatch(SQLException e) {
    SQLException next = e.getNextException();
    return next != null && next.getSQLState() != null ? next : e;
  }

  /**
   * Reads for one transaction: its main connection, and a snapshot-read connection made on first
   * use.
   */
  private final class PostgresReader implements StoreReader {
    private final Connection main;
    private Connection snapshotConnection;
    private boolean committed;

    PostgresReader(Connection main) {
      this.main = main;
    }

    private Connection connectionFor(boolean snapshot) throws SQLException {
      if (!snapshot || main.isReadOnly()) {
        return main;
      }
      if (snapshotConnection == null) {
        String id;
        try (Statement st = main.createStatement();
            ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
          rs.next();
          id = rs.getString(1);
        }
        if (!SNAPSHOT_ID.matcher(id).matches()) {
          throw new SQLException("unexpected snapshot id " + id, "XX000");
        }
        Connection c = snapshotPool.getConnection();
        try (Statement st = c.createStatement()) {
          st.execute("SET TRANSACTION SNAPSHOT '" + id + "'");
        } catch (SQLException e) {
          rollbackQuietly(c);
          closeQuietly(c);
          throw e;
        }
        snapshotConnection = c;
      }
      return snapshotConnection;
    }

    @Override
    public byte[] storeGet(byte[] key, boolean snapshot) {
      try (PreparedStatement ps = connectionFor(snapshot).prepareStatement(getSql)) {
        ps.setBytes(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getBytes(1) : null;
        }
      } catch (SQLException e) {
        throw SqlErrors.map("read failed", e, false);
      }
    }

    @Override
    public List<KeyValue> storeScan(
        byte[] begin, byte[] end, int limit, boolean reverse, boolean snapshot) {
      List<KeyValue> out = new ArrayList<>(Math.min(limit, 1024));
      try (PreparedStatement ps =
          connectionFor(snapshot).prepareStatement(reverse ? reverseScanSql : scanSql)) {
        ps.setBytes(1, begin);
        ps.setBytes(2, end);
        ps.setInt(3, limit);
        ps.setFetchSize(Math.min(limit, 4096));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new KeyValue(rs.getBytes(1), rs.getBytes(2)));
          }
        }
      } catch (SQLException e) {
        throw SqlErrors.map("range read failed", e, false);
      }
      return out;
    }

    void release() {
      if (snapshotConnection != null) {
        rollbackQuietly(snapshotConnection);
        closeQuietly(snapshotConnection);
      }
      if (!committed) {
        rollbackQuietly(main);
      }
      closeQuietly(main);
    }
  }
}
