package dev.hearth.client.internal;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.client.Codec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** The built-in codecs. */
public final class Codecs {
    public static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper();

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
