package dev.hearth.node.memcached;

import dev.hearth.node.cache.EntryTooLargeException;
import dev.hearth.node.cache.TenantUnavailableException;
import dev.hearth.node.cache.UnavailableException;
import java.util.concurrent.CompletionException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Why a command failed, told the same way in both protocols: each handler only words it (a text line, a binary
 * status). The one place that decides which failures a client may retry elsewhere and which are the node's fault.
 *
 * @param kind what the client is told
 * @param message one line of at most 200 characters, fit for a reply
 * @param type the exception's class, which the text protocol names for an internal failure
 */
record CommandFailure(Kind kind, String message, Class<?> type) {
    private static final Logger LOG = LogManager.getLogger(CommandFailure.class);
    private static final int MAX_MESSAGE = 200;

    enum Kind {
        /** The key's tenant is in maintenance or moving: try later (binary ETMPFAIL). */
        TENANT_UNAVAILABLE,
        /** The cluster cannot serve the key now (no owner, node stopping...): try later (binary ETMPFAIL). */
        UNAVAILABLE,
        /** The entry is over the item size limit (binary E2BIG). */
        TOO_LARGE,
        /** Anything else: a fault of the node, logged (binary EINTERNAL). */
        INTERNAL
    }

    static CommandFailure of(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof TenantUnavailableException) {
            return new CommandFailure(Kind.TENANT_UNAVAILABLE, TenantUnavailableException.MESSAGE, t.getClass());
        }
        if (t instanceof UnavailableException) {
            return new CommandFailure(Kind.UNAVAILABLE, oneLine(t.getMessage()), t.getClass());
        }
        if (t instanceof EntryTooLargeException) {
            return new CommandFailure(Kind.TOO_LARGE, "object too large for cache", t.getClass());
        }
        LOG.debug("memcached command failed", t);
        return new CommandFailure(Kind.INTERNAL, oneLine(t.getMessage()), t.getClass());
    }

    /** A message fit for a reply line: no line breaks, at most 200 characters. */
    private static String oneLine(String message) {
        String msg = String.valueOf(message).replaceAll("[\\r\\n]+", " ");
        return msg.length() > MAX_MESSAGE ? msg.substring(0, MAX_MESSAGE) : msg;
    }
}
