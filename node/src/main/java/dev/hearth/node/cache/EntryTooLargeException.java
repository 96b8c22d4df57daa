package dev.hearth.node.cache;

/**
 * The entry is larger than its zone stores: the zone's region could not always make room for it (see
 * {@code zones.<z>.memory} and {@code memcached.maxItemSize}). Nothing was written. The endpoints answer it as their
 * protocol's "too large" (memcached {@code SERVER_ERROR object too large for cache}, binary status E2BIG).
 */
public final class EntryTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EntryTooLargeException(String message) {
        super(message, null, false, false);
    }
}
