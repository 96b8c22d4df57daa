package dev.hearth.node.cache;

/**
 * The cluster cannot serve this request now, through no fault of the request: this node's part of the cluster has
 * no quorum (writes are refused), or the cluster did not answer within the operation timeout (a write may still be
 * applied). An answer, not a bug: the endpoints turn it into their protocol's temporary failure (memcached
 * {@code SERVER_ERROR <message>}, binary status 0x0086 ETMPFAIL with the message).
 */
public final class UnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnavailableException(String message) {
        // No stack trace: may be thrown for every request while it lasts.
        super(message, null, false, false);
    }
}
