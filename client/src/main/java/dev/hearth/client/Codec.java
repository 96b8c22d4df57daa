package dev.hearth.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.client.internal.Codecs;

/**
 * Turns values into the bytes Hearth stores and back. The bytes are what a memcached client of the same tenant
 * reads and writes, so a {@link #utf8()} value written here is the same text a memcached {@code get} returns.
 *
 * <p>Implementations must be thread-safe and stateless with respect to calls. {@link #encode} must never return
 * null; {@link #decode} receives exactly the bytes that were stored (never null) and may throw
 * {@link IllegalArgumentException} (or any runtime exception) when they do not decode, which the cache reports to
 * the caller as a {@link HearthException}.
 *
 * @param <V> the value type
 */
public interface Codec<V> {
    /** @return the stored form of {@code value} (not null); the caller never modifies the returned array */
    byte[] encode(V value);

    /** @return the value stored as {@code bytes}; the array must not be modified nor retained */
    V decode(byte[] bytes);

    /** Raw bytes, stored as given. Arrays are not copied: do not modify an array after handing it over. */
    static Codec<byte[]> bytes() {
        return Codecs.BYTES;
    }

    /** Strings as UTF-8 bytes (what memcached text clients store). */
    static Codec<String> utf8() {
        return Codecs.UTF8;
    }

    /**
     * A new Jackson mapper configured as {@link #json(Class)}'s: {@code java.time} values as ISO-8601 text, and
     * properties the class does not know ignored (a newer version of the application may have added them). Configure
     * it further and hand it to {@link #json(ObjectMapper, Class)}.
     */
    static ObjectMapper jsonMapper() {
        return Codecs.newMapper();
    }

    /** Objects as JSON through a default Jackson {@link ObjectMapper} ({@link #jsonMapper()}). */
    static <T> Codec<T> json(Class<T> type) {
        return Codecs.json(Codecs.DEFAULT_MAPPER, Codecs.DEFAULT_MAPPER.constructType(type));
    }

    /** Objects as JSON through {@code mapper} (configure it before handing it over; it is shared, not copied). */
    static <T> Codec<T> json(ObjectMapper mapper, Class<T> type) {
        return Codecs.json(mapper, mapper.constructType(type));
    }

    /** Generic objects (e.g. {@code new TypeReference<List<Order>>() {}}) as JSON through {@code mapper}. */
    static <T> Codec<T> json(ObjectMapper mapper, TypeReference<T> type) {
        JavaType t = mapper.getTypeFactory().constructType(type);
        return Codecs.json(mapper, t);
    }
}
