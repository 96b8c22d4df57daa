package dev.hearth.client;

/**
 * The operation's deadline passed before the cluster answered. For a write the outcome is unknown: it may or may not
 * have been applied.
 */
public class HearthTimeoutException extends HearthException {
    private static final long serialVersionUID = 1L;

    public HearthTimeoutException(String message) {
        super(message);
    }
}
