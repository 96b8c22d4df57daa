package dev.hearth.client.spring;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import dev.hearth.client.Codec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.springframework.cache.support.NullValue;

/**
 * Any value as JSON that names its class, for Spring's caches, where the cache does not know the type a method
 * returns. A class is read back only if it lies in a trusted package (or in {@code java.lang}, {@code java.util},
 * {@code java.time}, {@code java.math}): whoever can write to the cache cannot make the application instantiate a
 * class of its choosing. Spring's {@link NullValue} (a cached null) is stored as the JSON literal {@code null}.
 *
 * <p>The mapper is {@link Codec#jsonMapper()}'s: {@code java.time} values as ISO-8601 text, unknown properties
 * ignored.
 */
public final class TypedJsonCodec implements Codec<Object> {
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final List<String> ALWAYS = List.of("java.lang.", "java.util.", "java.time.", "java.math.");

    private final ObjectMapper mapper;
    private final List<String> trusted;

    private TypedJsonCodec(Collection<String> packages) {
        List<String> prefixes = new ArrayList<>(ALWAYS);
        for (String p : packages) {
            Objects.requireNonNull(p, "package");
            if (p.isBlank()) {
                throw new IllegalArgumentException("a trusted package must not be blank");
            }
            prefixes.add(p.endsWith(".") ? p : p + '.');
        }
        this.trusted = List.copyOf(prefixes);
        BasicPolymorphicTypeValidator.Builder validator = BasicPolymorphicTypeValidator.builder().allowIfSubTypeIsArray();
        trusted.forEach(validator::allowIfSubType);
        ObjectMapper m = Codec.jsonMapper();
        // EVERYTHING, not NON_FINAL: records and other final classes must name their class too, or they come back
        // as maps. The validator above, not the typing mode, is what keeps this safe.
        @SuppressWarnings("deprecation")
        ObjectMapper.DefaultTyping everything = ObjectMapper.DefaultTyping.EVERYTHING;
        m.activateDefaultTyping(validator.build(), everything, JsonTypeInfo.As.PROPERTY);
        this.mapper = m;
    }

    /**
     * @param packages the packages whose classes (and their sub-packages') may be read back, e.g. the application's
     *     base package
     */
    public static TypedJsonCodec trusting(Collection<String> packages) {
        return new TypedJsonCodec(packages);
    }

    /** @see #trusting(Collection) */
    public static TypedJsonCodec trusting(String... packages) {
        return trusting(Arrays.asList(packages));
    }

    /** The package prefixes whose classes are read back, the always-trusted JDK ones first. */
    public List<String> trustedPackages() {
        return trusted;
    }

    @Override
    public byte[] encode(Object value) {
        Objects.requireNonNull(value, "value");
        if (value == NullValue.INSTANCE) {
            return NULL.clone();
        }
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Object decode(byte[] bytes) {
        if (Arrays.equals(bytes, NULL)) {
            return NullValue.INSTANCE;
        }
        try {
            Object value = mapper.readValue(bytes, Object.class);
            if (value == null) {
                throw new IllegalArgumentException("stored JSON holds no value");
            }
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException("stored bytes are not a value this codec wrote, or name a class outside "
                    + "the trusted packages " + trusted + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "TypedJsonCodec" + trusted;
    }
}
