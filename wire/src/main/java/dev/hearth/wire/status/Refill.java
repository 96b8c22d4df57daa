package dev.hearth.wire.status;

/**
 * Progress of a refill of the cluster from this node: the start-up load of its local copy, or a warm-up from one of
 * its dumps. Derived figures are computed once, here, so that /status, the metrics and {@code hearthctl status}
 * agree.
 *
 * @param source "local copy" or "dump &lt;name&gt;"
 * @param reason why it runs (e.g. "the cluster formed empty")
 * @param state running, complete, failed, skipped or stopped (the node began to stop while it ran)
 * @param entriesDone entries read so far (sent, expired or damaged)
 * @param entriesTotal entries to read, -1 when not known in advance (a local copy counts bytes, not entries)
 * @param bytesDone bytes read so far
 * @param bytesTotal bytes to read, -1 when not known in advance
 * @param fraction done, 0 to 1, by entries where their total is known, else by bytes; -1 when neither is
 * @param bytesPerSecond mean read rate since the start
 * @param etaSeconds seconds left at the mean rate so far; -1 when not running or not known
 * @param rateLimit entries per second the refill is held to right now, 0 for none (it adapts to read latency)
 */
public record Refill(String source, String reason, String state, long entriesDone, long entriesTotal,
        long bytesDone, long bytesTotal, long startedAt, long elapsedMillis, double fraction, long bytesPerSecond,
        long etaSeconds, long rateLimit) {

    /** Derives fraction, rate and ETA from the raw counts. */
    public static Refill of(String source, String reason, String state, long entriesDone, long entriesTotal,
            long bytesDone, long bytesTotal, long startedAt, long elapsedMillis, long rateLimit) {
        double fraction;
        if (entriesTotal > 0) {
            fraction = Math.min(1.0, (double) entriesDone / entriesTotal);
        } else if (bytesTotal > 0) {
            fraction = Math.min(1.0, (double) bytesDone / bytesTotal);
        } else {
            fraction = entriesTotal == 0 || bytesTotal == 0 || state.equals("complete") ? 1.0 : -1;
        }
        long perSecond = elapsedMillis > 0 ? bytesDone * 1000 / elapsedMillis : 0;
        long eta = -1;
        if (state.equals("running") && fraction > 0) {
            eta = Math.round(elapsedMillis * (1 - fraction) / fraction / 1000.0);
        }
        return new Refill(source, reason, state, entriesDone, entriesTotal, bytesDone, bytesTotal, startedAt,
                elapsedMillis, fraction, perSecond, eta, rateLimit);
    }

    public boolean running() {
        return state.equals("running");
    }

    /**
     * The one to report of two refills (either may be null): the running one, else the one that started last. A
     * node runs at most one of each kind at a time, and its start-up load runs the local copy first, then the dump.
     */
    public static Refill current(Refill a, Refill b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        if (a.running() != b.running()) {
            return a.running() ? a : b;
        }
        return a.startedAt >= b.startedAt ? a : b;
    }
}
