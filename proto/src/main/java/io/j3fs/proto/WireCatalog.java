package io.j3fs.proto;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.j3fs.proto.debug.DebugProtos;
import io.j3fs.proto.meta.MetaProtos;
import io.j3fs.proto.mgmtd.MgmtdProtos;
import io.j3fs.proto.storage.StorageProtos;
import java.lang.reflect.InvocationTargetException;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every service and method of j3fs with its wire ids, read from the {@code (service_id)} and {@code
 * (method_id)} options of the .proto files. Built once; fails at class initialisation if two
 * methods share an id, a method has no id, or a method reuses a retired id, so a bad schema cannot
 * start any process.
 */
public final class WireCatalog {
  private static final List<Descriptors.FileDescriptor> FILES =
      List.of(
          DebugProtos.getDescriptor(),
          MgmtdProtos.getDescriptor(),
          MetaProtos.getDescriptor(),
          StorageProtos.getDescriptor());

  private static final WireCatalog INSTANCE = new WireCatalog();

  private final Map<Integer, WireMethod> byKey = new HashMap<>();
  private final Map<String, WireMethod> byName = new TreeMap<>();
  private final Map<Integer, Set<Integer>> retired = new HashMap<>();

  private WireCatalog() {
    Set<Integer> serviceIds = new HashSet<>();
    for (Descriptors.FileDescriptor file : FILES) {
      for (Descriptors.ServiceDescriptor service : file.getServices()) {
        int serviceId = service.getOptions().getExtension(Options.serviceId);
        if (serviceId <= 0 || serviceId > 0xffff || !serviceIds.add(serviceId)) {
          throw new IllegalStateException(
              "service " + service.getFullName() + " has a missing or duplicate id " + serviceId);
        }
        Set<Integer> retiredIds =
            new HashSet<>(service.getOptions().getExtension(Options.retiredMethodIds));
        retired.put(serviceId, Collections.unmodifiableSet(retiredIds));
        for (Descriptors.MethodDescriptor method : service.getMethods()) {
          int methodId = method.getOptions().getExtension(Options.methodId);
          if (methodId <= 0 || methodId > 0xffff) {
            throw new IllegalStateException(
                "method " + method.getFullName() + " has no valid method_id");
          }
          if (retiredIds.contains(methodId)) {
            throw new IllegalStateException(
                "method " + method.getFullName() + " reuses retired id " + methodId);
          }
          WireMethod wire =
              new WireMethod(
                  serviceId,
                  methodId,
                  service.getName(),
                  method.getName(),
                  prototype(method.getInputType()),
                  prototype(method.getOutputType()));
          if (byKey.put(wire.key(), wire) != null) {
            throw new IllegalStateException(
                "method " + method.getFullName() + " duplicates id " + methodId);
          }
          byName.put(wire.fullName(), wire);
        }
      }
    }
  }

  public static WireCatalog get() {
    return INSTANCE;
  }

  /** The method with these ids, or null. */
  public WireMethod method(int serviceId, int methodId) {
    return byKey.get(WireMethod.key(serviceId, methodId));
  }

  /** The method named {@code "Service.Method"}; fails if there is none. */
  public WireMethod method(String fullName) {
    WireMethod method = byName.get(fullName);
    if (method == null) {
      throw new IllegalArgumentException("no RPC method " + fullName);
    }
    return method;
  }

  public Collection<WireMethod> methods() {
    return Collections.unmodifiableCollection(byName.values());
  }

  public Set<Integer> retiredMethodIds(int serviceId) {
    return retired.getOrDefault(serviceId, Set.of());
  }

  /** The generated class's default instance, so parsing needs no reflection per call. */
  private static Message prototype(Descriptors.Descriptor type) {
    String className = javaClassName(type);
    try {
      return (Message) Class.forName(className).getMethod("getDefaultInstance").invoke(null);
    } catch (ClassNotFoundException
        | NoSuchMethodException
        | IllegalAccessException
        | InvocationTargetException e) {
      return DynamicMessage.getDefaultInstance(type);
    }
  }

  private static String javaClassName(Descriptors.Descriptor type) {
    String javaPackage = type.getFile().getOptions().getJavaPackage();
    return javaPackage + "." + type.getName();
  }
}
