package dev.hearth.client.internal;

import dev.hearth.client.HearthException;
import dev.hearth.client.HearthTimeoutException;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.ignite.client.ClientConnectionException;
import org.apache.ignite.client.ClientException;

/**
 * How the client reads a failure: which ones mean "no answer from the cluster" (retried and counted by the circuit
 * breaker), which ones are timeouts, and which {@link HearthException} the caller sees for each. Stateless; every
 * method accepts a failure still wrapped in {@link CompletionException} or {@link ExecutionException}.
 */
final class Failures {
    private Failures() {
    }

    /**
     * The client's exception for {@code e}: a {@link HearthException} (a {@link HearthTimeoutException} for a
     * timeout), except that the client's own exceptions, argument errors and {@link Error}s are returned as they are.
     */
    static Throwable map(Throwable e) {
        Throwable c = unwrap(e);
        if (c instanceof HearthException || c instanceof IllegalArgumentException
                || c instanceof NullPointerException || c instanceof Error) {
            return c;
        }
        if (isTimeout(c)) {
            HearthTimeoutException t = new HearthTimeoutException("no answer from the cluster in time: " + c);
            t.initCause(c);
            return t;
        }
        if (isConnectivity(c)) {
            return new HearthException("Hearth cluster unreachable: " + c.getMessage(), c);
        }
        return new HearthException("cache operation failed: " + c, c);
    }

    /** {@code e} without its {@link CompletionException} and {@link ExecutionException} wrappers. */
    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** True if {@code e} or one of its causes is a timeout (the JDK's, the client's, or Ignite's request timeout). */
    static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof HearthTimeoutException) {
                return true;
            }
            String m = t.getMessage();
            if (t instanceof ClientException && m != null && m.contains("Timeout was reached")) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** True for failures that mean "no answer from the cluster" (worth a retry, and counted by the breaker). */
    static boolean isConnectivity(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClientConnectionException || t instanceof IOException
                    || t instanceof TimeoutException || t instanceof HearthTimeoutException) {
                return true;
            }
            String m = t.getMessage();
            if (t instanceof ClientException && m != null && (m.contains("Timeout was reached")
                    || m.contains("closed") || m.contains("onnect"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * Why a connection attempt failed, in the user's terms. Ignite reports a node that closed the connection during
     * the handshake as "Channel is closed". When something answered at all (no ConnectException), a TLS mismatch is
     * the usual reason: say which side to check.
     */
    static String connectFailure(Throwable e, boolean tls) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return "no node answered: " + e.getMessage();
            }
        }
        return tls
                ? "a node closed the connection during the TLS handshake (" + e.getMessage() + "): the client "
                        + "certificate must be signed by the cluster CA (the nodes' tls.caFile), and the CA file given "
                        + "to HearthClientBuilder.tls must hold the CA that signed the nodes' certificates"
                : "a node closed the connection during the handshake (" + e.getMessage() + "): if the cluster has "
                        + "tls.enabled, connect with HearthClientBuilder.tls(caFile, certFile, keyFile)";
    }

    /**
     * The unchecked exception a sync caller gets for {@code c}: itself when unchecked, wrapped in a
     * {@link HearthException} when checked; an {@link Error} is thrown, not returned.
     */
    static RuntimeException rethrow(Throwable c) {
        c = unwrap(c);
        if (c instanceof RuntimeException r) {
            return r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new HearthException(String.valueOf(c), c);
    }
}
