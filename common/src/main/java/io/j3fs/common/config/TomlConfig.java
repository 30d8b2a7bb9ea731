package io.j3fs.common.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Reads a service's TOML file into its config record. Keys are snake_case ({@code lease_length_ms}
 * for the record component {@code leaseLengthMs}); an unknown key, a value of the wrong type or a
 * file that is not TOML fails with a {@link ConfigException} naming the file, the key and the
 * problem. Records validate their values in their constructors, also with the key in the message.
 */
public final class TomlConfig {
  private static final TomlMapper MAPPER =
      TomlMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  private TomlConfig() {}

  public static <T> T load(Path file, Class<T> type) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    return parse(text, type, file.toString());
  }

  public static <T> T parse(String text, Class<T> type, String source) {
    try {
      return MAPPER.readValue(text, type);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(source + ": unknown key '" + path(e) + "'");
    } catch (JsonMappingException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IllegalArgumentException invalid) {
        throw new ConfigException(source + ": " + invalid.getMessage());
      }
      throw new ConfigException(
          source + ": bad value for '" + path(e) + "': " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException(
          source + ": not valid TOML: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(
            reference ->
                reference.getFieldName() != null
                    ? reference.getFieldName()
                    : "[" + reference.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  /** A configuration problem, with a message naming the key. */
  public static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
      super(message);
    }
  }
}
