package dev.hearth.client.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.hearth.client.Codec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** The built-in codecs. */
public final class Codecs {
    public static final ObjectMapper DEFAULT_MAPPER = newMapper();

    /**
     * Knows the JSR-310 types ({@code Instant}, {@code LocalDate}, {@code Duration}, ...), written as ISO-8601 text
     * (what other languages' clients of the same tenant parse), and ignores properties a newer version of a class
     * added: values outlive deployments, and a rolling deploy reads what the next version wrote.
     */
    public static ObjectMapper newMapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    public static final Codec<byte[]> BYTES = new Codec<>() {
        @Override
        public byte[] encode(byte[] value) {
            return Objects.requireNonNull(value, "value");
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return bytes;
        }

        @Override
        public String toString() {
            return "Codec.bytes()";
        }
    };

    public static final Codec<String> UTF8 = new Codec<>() {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Codec.utf8()";
        }
    };

    private Codecs() {
    }

    public static <T> Codec<T> json(ObjectMapper mapper, JavaType type) {
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(type, "type");
        return new Codec<>() {
            @Override
            public byte[] encode(T value) {
                Objects.requireNonNull(value, "value");
                try {
                    return mapper.writeValueAsBytes(value);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot write " + type + " as JSON: " + e.getMessage(), e);
                }
            }

            @Override
            public T decode(byte[] bytes) {
                try {
                    return mapper.readValue(bytes, type);
                } catch (IOException e) {
                    throw new IllegalArgumentException("stored bytes are not a JSON " + type + ": "
                            + e.getMessage(), e);
                }
            }

            @Override
            public String toString() {
                return "Codec.json(" + type + ")";
            }
        };
    }
}
