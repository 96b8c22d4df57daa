package dev.hearth.client;

/**
 * Base of everything the client throws for a failed cache operation (unchecked, as in Lettuce). Asynchronous
 * operations complete exceptionally with the same types; synchronous ones throw them.
 */
public class HearthException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HearthException(String message) {
        super(message);
    }

    public HearthException(String message, Throwable cause) {
        super(message, cause);
    }
}
