package io.j3fs.proto;

import com.google.protobuf.Message;

/**
 * One RPC method as it appears on the wire: its fixed service and method ids, and the prototypes
 * used to parse its request and response.
 */
public record WireMethod(
    int serviceId,
    int methodId,
    String serviceName,
    String methodName,
    Message requestPrototype,
    Message responsePrototype) {

  public String fullName() {
    return serviceName + "." + methodName;
  }

  /** Both ids in one int, as dispatch tables key methods. */
  public int key() {
    return key(serviceId, methodId);
  }

  public static int key(int serviceId, int methodId) {
    return (serviceId << 16) | methodId;
  }
}
