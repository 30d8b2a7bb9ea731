package io.j3fs.storage.chunk;

import io.j3fs.common.id.ChunkId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * Chunk metadata in one RocksDB per target: {@code 'C' + chunk id} → ChunkMetaRecord, {@code 'P' +
 * name} → property. Writes go to the WAL (so they survive a process crash); {@code sync} writes
 * also fsync it.
 */
public final class RocksMetaStore implements MetaStore {
  static {
    RocksDB.loadLibrary();
  }

  private static final byte CHUNK = 'C';
  private static final byte PROPERTY = 'P';

  private final RocksDB db;
  private final Options options;
  private final WriteOptions plain = new WriteOptions();
  private final WriteOptions synced = new WriteOptions().setSync(true);

  public RocksMetaStore(Path dir) {
    try {
      Files.createDirectories(dir);
      options = new Options().setCreateIfMissing(true);
      db = RocksDB.open(options, dir.toString());
    } catch (java.io.IOException | RocksDBException e) {
      throw new StatusException(
          StatusCode.UNAVAILABLE, "cannot open chunk metadata at " + dir + ": " + e.getMessage());
    }
  }

  private static byte[] chunkKey(ChunkId id) {
    byte[] key = new byte[1 + ChunkId.BYTES];
    key[0] = CHUNK;
    System.arraycopy(id.toBytes(), 0, key, 1, ChunkId.BYTES);
    return key;
  }

  private static byte[] propertyKey(String name) {
    byte[] text = name.getBytes(StandardCharsets.UTF_8);
    byte[] key = new byte[1 + text.length];
    key[0] = PROPERTY;
    System.arraycopy(text, 0, key, 1, text.length);
    return key;
  }

  @Override
  public void put(ChunkMeta meta, boolean sync) {
    try {
      db.put(sync ? synced : plain, chunkKey(meta.id()), MetaCodec.encode(meta));
    } catch (RocksDBException e) {
      throw failure("store meta of chunk " + meta.id(), e);
    }
  }

  @Override
  public void delete(ChunkId id, boolean sync) {
    try {
      db.delete(sync ? synced : plain, chunkKey(id));
    } catch (RocksDBException e) {
      throw failure("delete meta of chunk " + id, e);
    }
  }

  @Override
  public void forEach(Consumer<ChunkMeta> consumer) {
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(new byte[] {CHUNK}); it.isValid() && it.key()[0] == CHUNK; it.next()) {
        byte[] key = it.key();
        ChunkId id = ChunkId.fromBytes(Arrays.copyOfRange(key, 1, key.length));
        consumer.accept(MetaCodec.decode(id, it.value()));
      }
    }
  }

  @Override
  public void putProperty(String name, String value, boolean sync) {
    try {
      db.put(sync ? synced : plain, propertyKey(name), value.getBytes(StandardCharsets.UTF_8));
    } catch (RocksDBException e) {
      throw failure("store property " + name, e);
    }
  }

  @Override
  public String property(String name) {
    try {
      byte[] value = db.get(propertyKey(name));
      return value == null ? null : new String(value, StandardCharsets.UTF_8);
    } catch (RocksDBException e) {
      throw failure("read property " + name, e);
    }
  }

  private static StatusException failure(String what, RocksDBException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    StatusCode code =
        message.contains("No space") || message.contains("ENOSPC")
            ? StatusCode.NO_SPACE
            : StatusCode.INTERNAL;
    return new StatusException(code, "cannot " + what + ": " + message);
  }

  @Override
  public void close() {
    db.close();
    options.close();
    plain.close();
    synced.close();
  }
}
