package dev.hearth.client;

/** The circuit breaker is open: the cluster was unreachable recently and the operation was not attempted. */
public class CircuitOpenException extends HearthException {
    private static final long serialVersionUID = 1L;

    public CircuitOpenException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // thrown at high rates while open; the stack says nothing useful
    }
}
