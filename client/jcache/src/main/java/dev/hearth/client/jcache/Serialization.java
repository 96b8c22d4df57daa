package dev.hearth.client.jcache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.util.Base64;
import javax.cache.CacheException;

/**
 * How a JSR-107 cache's keys and values become Hearth's: values by Java serialization (store-by-value), keys as text.
 * A {@link String} key is stored as itself after {@code "s:"}, so other Hearth clients read it by name; any other
 * key as {@code "j:"} and the URL-safe Base64 of its serialized form, which equal keys of the usual key types (boxed
 * numbers, strings, dates, enums, records and value classes of those) share. Deserialization resolves classes in the
 * cache manager's class loader.
 */
final class Serialization {
    private static final String TEXT = "s:";
    private static final String JAVA = "j:";
    private final ClassLoader classLoader;

    Serialization(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    String key(Object key) {
        if (key instanceof String s) {
            return TEXT + s;
        }
        return JAVA + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(key));
    }

    Object keyOf(String stored) {
        if (stored.startsWith(TEXT)) {
            return stored.substring(TEXT.length());
        }
        if (stored.startsWith(JAVA)) {
            return object(Base64.getUrlDecoder().decode(stored.substring(JAVA.length())));
        }
        throw new CacheException("not a key written through JCache: " + stored);
    }

    /** @throws IllegalArgumentException if the object is not serializable: a store-by-value cache cannot keep it */
    byte[] bytes(Object o) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(o);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("a Hearth JCache stores by value, and " + o.getClass().getName()
                    + " is not Serializable", e);
        } catch (IOException e) {
            throw new CacheException("could not serialize " + o.getClass().getName(), e);
        }
        return out.toByteArray();
    }

    Object object(byte[] bytes) {
        try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), classLoader)) {
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new CacheException("could not deserialize a cached value", e);
        }
    }

    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
