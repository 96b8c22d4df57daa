package dev.hearth.client;

/**
 * A loader passed to {@code getOrLoad} threw a checked exception (its cause), or the load could not start because
 * the bound on concurrent loads was reached and the queue of waiting loads is full. Unchecked exceptions thrown by a
 * loader reach the caller unchanged.
 */
public class LoadException extends HearthException {
    private static final long serialVersionUID = 1L;

    public LoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
