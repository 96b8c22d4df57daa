package dev.hearth.cli.operation;

import dev.hearth.cli.CliException;

/** The pause between two looks at a long operation's progress (a warm-up, a verify, a node's restart). */
public final class Polling {
    private Polling() {
    }

    /** Waits {@code millis}; an interrupt (Ctrl-C's shutdown) ends the command as failed, keeping the flag. */
    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted");
        }
    }
}
