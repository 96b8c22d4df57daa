package dev.hearth.cli;

/**
 * A failure hearthctl reports as one message and an exit code scripts can trust (see {@link ExitCodes}).
 */
public class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** The operation ran and failed (exit 1). */
    public static CliException failed(String message) {
        return new CliException(ExitCodes.FAILED, message);
    }

    /** Bad arguments: unknown node, bad duration... (exit 2). */
    public static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }

    /** Refused because it would be unsafe (exit 3). */
    public static CliException unsafe(String message) {
        return new CliException(ExitCodes.UNSAFE, message);
    }

    /** A node or the cluster does not answer (exit 4). */
    public static CliException unreachable(String message, Throwable cause) {
        return new CliException(ExitCodes.UNREACHABLE, message, cause);
    }
}
