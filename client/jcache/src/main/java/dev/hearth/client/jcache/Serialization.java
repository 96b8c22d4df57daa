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

    /**
     * What {@link ObjectOutputStream} writes before a string of up to 65,535 bytes of modified UTF-8: the stream
     * header (magic {@code 0xACED}, version 5) and {@code TC_STRING}. Such strings, the usual value, are written and
     * read here byte for byte as Java serialization does, without its streams: setting up an
     * {@code ObjectOutputStream} and an {@code ObjectInputStream} per value cost more than the rest of a JCache call.
     */
    private static final byte[] STRING_HEADER = {(byte) 0xAC, (byte) 0xED, 0x00, 0x05, 0x74};

    /** @throws IllegalArgumentException if the object is not serializable: a store-by-value cache cannot keep it */
    byte[] bytes(Object o) {
        if (o instanceof String s) {
            byte[] fast = stringBytes(s);
            if (fast != null) {
                return fast;
            }
        }
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

    /** {@code s} as Java serialization writes it, or null if its modified UTF-8 is over 65,535 bytes. */
    static byte[] stringBytes(String s) {
        int n = s.length();
        if (n > 65_535) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(STRING_HEADER.length + 2 + n);
        out.writeBytes(STRING_HEADER);
        try {
            new java.io.DataOutputStream(out).writeUTF(s); // modified UTF-8 after a 2-byte length, as TC_STRING has
        } catch (java.io.UTFDataFormatException tooLong) {
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // not thrown by a ByteArrayOutputStream
        }
        return out.toByteArray();
    }

    /** The string in {@code bytes} if they are exactly a serialized short string, else null. */
    static String stringOf(byte[] bytes) {
        int h = STRING_HEADER.length;
        if (bytes.length < h + 2 || !java.util.Arrays.equals(bytes, 0, h, STRING_HEADER, 0, h)
                || ((bytes[h] & 0xFF) << 8 | (bytes[h + 1] & 0xFF)) != bytes.length - h - 2) {
            return null;
        }
        try {
            return new java.io.DataInputStream(new ByteArrayInputStream(bytes, h, bytes.length - h)).readUTF();
        } catch (IOException malformed) {
            return null; // let ObjectInputStream say what is wrong
        }
    }

    Object object(byte[] bytes) {
        String fast = stringOf(bytes);
        if (fast != null) {
            return fast;
        }
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
