package dev.hearth.node.memcached;

import dev.hearth.node.cache.OperationStats;
import dev.hearth.storage.TenantKey;
import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One connection's authentication in tenantMode authenticated, the same rules for the binary protocol's SASL PLAIN
 * and the text protocol's {@code set} form: only over TLS unless memcached.saslOverPlaintext; every failure counted
 * and logged; the memcached.maxAuthFailures-th, or an attempt without TLS, cuts the connection off (the handler
 * answers and closes it, and runs nothing queued behind). A failure also ends an earlier authentication.
 *
 * <p>The handlers run a connection's attempts one at a time, in request order, ordered like writes: a command
 * after an attempt sees its outcome.
 */
final class ConnectionAuth {
    private static final Logger LOG = LogManager.getLogger(ConnectionAuth.class);
    static final String PLAINTEXT_REFUSED = "SASL authentication requires TLS on this listener "
            + "(memcached.saslOverPlaintext is false); connect with TLS";

    enum Result {
        AUTHENTICATED, FAILED, CUT_OFF
    }

    private final Endpoint endpoint;
    private final Channel channel;
    private volatile String user;
    private final AtomicInteger failures = new AtomicInteger();
    private volatile boolean cutOff;

    ConnectionAuth(Endpoint endpoint, Channel channel) {
        this.endpoint = endpoint;
        this.channel = channel;
    }

    /** The authenticated tenant, or null. */
    String user() {
        return user;
    }

    /** True once the connection is to close: nothing more of it runs. */
    boolean cutOff() {
        return cutOff;
    }

    /** Failed attempts so far (the one that cut the connection off included). */
    int failures() {
        return failures.get();
    }

    /**
     * Whether this connection may try to authenticate. If not (no TLS, and memcached.saslOverPlaintext off), the
     * refusal is counted and logged and the connection cut off: answer {@link #PLAINTEXT_REFUSED} and close.
     */
    boolean transportAllowed() {
        if (endpoint.saslAllowed(channel)) {
            return true;
        }
        cutOff = true;
        user = null;
        endpoint.stats.authErrors.increment();
        endpoint.ops.memcachedAuthFailure(OperationStats.AuthFailure.PLAINTEXT);
        LOG.warn("memcached authentication refused from {}: the connection is not TLS and "
                + "memcached.saslOverPlaintext is off", channel.remoteAddress());
        return false;
    }

    /**
     * Checks {@code name}'s password ({@link Credentials#verify}: off the event loop when costly). Call
     * {@link #transportAllowed} first.
     */
    CompletableFuture<Result> authenticate(String name, byte[] password) {
        endpoint.stats.authCmds.increment();
        if (!TenantKey.isValidTenant(name)) {
            return CompletableFuture.completedFuture(fail(name));
        }
        return endpoint.credentials.verify(name, password).thenApply(ok -> {
            if (!ok) {
                return fail(name);
            }
            user = name;
            failures.set(0);
            return Result.AUTHENTICATED;
        });
    }

    /**
     * A failed attempt (wrong user or password, or a malformed one): counted, logged, and the connection is no
     * longer authenticated; the memcached.maxAuthFailures-th cuts it off.
     *
     * @param name the user the client named, null if none
     */
    Result fail(String name) {
        user = null;
        endpoint.stats.authErrors.increment();
        endpoint.ops.memcachedAuthFailure(OperationStats.AuthFailure.CREDENTIALS);
        int n = failures.incrementAndGet();
        int max = endpoint.settings.maxAuthFailures();
        if (n < max) {
            LOG.info("memcached authentication failed: user {} from {} ({} of {} allowed failures)", printable(name),
                    channel.remoteAddress(), n, max);
            return Result.FAILED;
        }
        cutOff = true;
        LOG.warn("memcached authentication failed: user {} from {}; closing the connection after {} failed attempts "
                + "(memcached.maxAuthFailures)", printable(name), channel.remoteAddress(), n);
        return Result.CUT_OFF;
    }

    /** Who asked, for the tenant service's log line (at most its 128 characters). */
    String who() {
        String by = "memcached " + user + "@" + channel.remoteAddress();
        return by.length() > 128 ? by.substring(0, 128) : by;
    }

    /** A client-chosen name fit for a log line: quoted, printable ASCII only, at most 64 characters. */
    private static String printable(String name) {
        if (name == null) {
            return "(none)";
        }
        String s = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        return "'" + s.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }
}
