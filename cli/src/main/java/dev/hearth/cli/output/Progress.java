package dev.hearth.cli.output;

import java.io.PrintWriter;

/**
 * Progress on stderr: on a terminal one line rewritten in place, otherwise a line per change at most every few
 * seconds (so logs of scripted runs stay readable).
 */
public final class Progress {
    private final PrintWriter err;
    private final boolean tty = System.console() != null;
    private String last = "";
    private long lastPrinted;
    private boolean open;

    public Progress(PrintWriter err) {
        this.err = err;
    }

    /** A line that may be replaced by the next update. */
    public synchronized void update(String line) {
        long now = System.currentTimeMillis();
        if (tty) {
            err.print("\r\033[K" + line);
            err.flush();
            open = true;
        } else if (!line.equals(last) && now - lastPrinted >= 2000) {
            err.println(line);
            err.flush();
            lastPrinted = now;
        }
        last = line;
    }

    /** A line that stays. */
    public synchronized void line(String line) {
        if (tty && open) {
            err.print("\r\033[K");
            open = false;
        }
        err.println(line);
        err.flush();
        last = line;
        lastPrinted = 0;
    }

    /** Ends an in-place line. */
    public synchronized void done() {
        if (tty && open) {
            err.println();
            err.flush();
            open = false;
        }
    }
}
