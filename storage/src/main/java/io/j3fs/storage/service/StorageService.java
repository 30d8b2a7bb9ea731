package io.j3fs.storage.service;

import io.j3fs.net.Dispatcher;
import io.j3fs.net.RpcResponse;
import io.j3fs.proto.storage.BatchReadReq;
import io.j3fs.proto.storage.GetAllChunkMetadataReq;
import io.j3fs.proto.storage.QueryChunkReq;
import io.j3fs.proto.storage.QueryLastChunkReq;
import io.j3fs.proto.storage.RemoveChunksReq;
import io.j3fs.proto.storage.SpaceInfoReq;
import io.j3fs.proto.storage.SyncDoneReq;
import io.j3fs.proto.storage.SyncStartReq;
import io.j3fs.proto.storage.TruncateChunksReq;
import io.j3fs.proto.storage.UpdateRsp;
import io.j3fs.proto.storage.WriteReq;
import io.j3fs.proto.storage.WriteRsp;

/** The Storage RPC service: each method's wire message goes to its operation, nothing more. */
final class StorageService {
  private StorageService() {}

  static void register(Dispatcher dispatcher, StorageServer server) {
    dispatcher.register(
        "Storage.BatchRead",
        request -> server.batchRead().run(request.message(BatchReadReq.class)),
        server.batchRead().handlers());
    dispatcher.register(
        "Storage.Write",
        request ->
            RpcResponse.of(
                WriteRsp.newBuilder()
                    .setChunk(
                        server
                            .updates()
                            .write(request.message(WriteReq.class).getIo(), request.payload()))
                    .build()));
    dispatcher.register(
        "Storage.Update",
        request ->
            RpcResponse.of(
                UpdateRsp.newBuilder()
                    .setChunk(
                        server
                            .updates()
                            .update(
                                request.message(io.j3fs.proto.storage.UpdateReq.class).getIo(),
                                request.payload()))
                    .build()));
    dispatcher.register(
        "Storage.QueryLastChunk",
        request ->
            RpcResponse.of(server.queryLastChunk().run(request.message(QueryLastChunkReq.class))));
    dispatcher.register(
        "Storage.TruncateChunks",
        request ->
            RpcResponse.of(server.ranges().truncate(request.message(TruncateChunksReq.class))));
    dispatcher.register(
        "Storage.RemoveChunks",
        request -> RpcResponse.of(server.ranges().remove(request.message(RemoveChunksReq.class))));
    dispatcher.register(
        "Storage.SyncStart",
        request -> RpcResponse.of(server.sync().syncStart(request.message(SyncStartReq.class))));
    dispatcher.register(
        "Storage.SyncDone",
        request -> RpcResponse.of(server.syncDone(request.message(SyncDoneReq.class))));
    dispatcher.register(
        "Storage.SpaceInfo",
        request -> RpcResponse.of(server.spaceInfo(request.message(SpaceInfoReq.class))));
    dispatcher.register(
        "Storage.GetAllChunkMetadata",
        request ->
            RpcResponse.of(server.sync().all(request.message(GetAllChunkMetadataReq.class))));
    dispatcher.register(
        "Storage.QueryChunk",
        request -> RpcResponse.of(server.sync().query(request.message(QueryChunkReq.class))));
  }
}
