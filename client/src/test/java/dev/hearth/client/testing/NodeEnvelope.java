package dev.hearth.client.testing;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * The node's own {@code Envelope}, {@code TenantKey} and {@code Item}, loaded reflectively from the built node jar,
 * so tests can prove compatibility without the client depending on the node module.
 */
public final class NodeEnvelope {
    private final Method tenantKeyOf;
    private final Method encode;
    private final Method decode;
    private final Class<?> itemClass;

    public NodeEnvelope(Path nodeJar) throws Exception {
        URLClassLoader loader = new URLClassLoader(new URL[] {nodeJar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
        Class<?> tk = loader.loadClass("dev.hearth.node.cache.TenantKey");
        Class<?> env = loader.loadClass("dev.hearth.node.cache.Envelope");
        itemClass = loader.loadClass("dev.hearth.node.cache.Item");
        tenantKeyOf = tk.getMethod("of", String.class, byte[].class);
        encode = env.getMethod("encode", tk, itemClass);
        decode = env.getMethod("decode", tk, byte[].class);
    }

    /** The node's view of an item. */
    public record Decoded(byte[] value, int flags, long version, long expireAt, boolean stale) {
    }

    /** @return null when the node considers the bytes damaged */
    public Decoded decode(String tenant, byte[] key, byte[] stored) throws Exception {
        Object item = decode.invoke(null, tenantKeyOf.invoke(null, tenant, key), stored);
        if (item == null) {
            return null;
        }
        return new Decoded((byte[]) itemClass.getMethod("value").invoke(item),
                (int) itemClass.getMethod("flags").invoke(item),
                (long) itemClass.getMethod("version").invoke(item),
                (long) itemClass.getMethod("expireAt").invoke(item),
                (boolean) itemClass.getMethod("stale").invoke(item));
    }

    public byte[] encode(String tenant, byte[] key, byte[] value, int flags, long version, long expireAt,
            boolean stale) throws Exception {
        Object item = itemClass.getConstructor(byte[].class, int.class, long.class, long.class, boolean.class)
                .newInstance(value, flags, version, expireAt, stale);
        return (byte[]) encode.invoke(null, tenantKeyOf.invoke(null, tenant, key), item);
    }
}
