package io.j3fs.meta.ops;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.j3fs.kv.Transaction;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaKeys;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.store.IdempotencyRecord;
import java.util.function.Supplier;

/**
 * Applies a mutation at most once per (client id, request id): the answer is stored in the same
 * transaction as the mutation, and a retry (the first answer was lost on the way back) finds it and
 * gets the same answer without applying anything again. Failures are not stored: a retried request
 * that failed runs again. Records older than {@code idempotency_ttl_ms} are removed by the GC.
 */
final class Idempotent {
  private Idempotent() {}

  /**
   * Runs {@code body} in a transaction of its own, applied at most once per request id. A body that
   * finds another client's lease on a directory it changes ({@link DirLeases.Held}) asks that lease
   * back before the refusal goes to the caller, whose client retries.
   */
  static <T extends Message> T run(
      MetaContext ctx,
      RequestId id,
      Parser<T> parser,
      java.util.function.Function<Transaction, T> body) {
    try {
      return ctx.kv().run(tx -> apply(ctx, tx, id, parser, () -> body.apply(tx)));
    } catch (DirLeases.Held e) {
      DirLeases.recall(ctx, e.dir);
      throw e;
    }
  }

  static <T extends Message> T apply(
      MetaContext ctx, Transaction tx, RequestId id, Parser<T> parser, Supplier<T> body) {
    if (id == null || id.getClientId().isEmpty()) {
      return body.get();
    }
    byte[] key = MetaKeys.idempotency(id.getClientId(), id.getRequestId());
    byte[] stored = tx.get(key);
    if (stored != null) {
      IdempotencyRecord record =
          MetaStore.parse(stored, "idempotency record", IdempotencyRecord.parser());
      return MetaStore.parse(record.getResponse().toByteArray(), "stored answer", parser);
    }
    T answer = body.get();
    tx.set(
        key,
        IdempotencyRecord.newBuilder()
            .setSchemaVersion(MetaStore.SCHEMA_VERSION)
            .setCreatedMs(ctx.nowMs())
            .setResponse(ByteString.copyFrom(answer.toByteArray()))
            .build()
            .toByteArray());
    return answer;
  }
}
