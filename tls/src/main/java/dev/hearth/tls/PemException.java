package dev.hearth.tls;

/** A TLS file that cannot be used: missing, unreadable, not PEM, the wrong kind of PEM, or inconsistent. */
public final class PemException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PemException(String message) {
        super(message);
    }

    public PemException(String message, Throwable cause) {
        super(message, cause);
    }
}
