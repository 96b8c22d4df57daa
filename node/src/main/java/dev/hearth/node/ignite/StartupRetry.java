package dev.hearth.node.ignite;

import java.util.function.Supplier;
import org.apache.ignite.cluster.ClusterTopologyException;
import org.apache.ignite.internal.cluster.ClusterTopologyCheckedException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Repeats a start-up step that raced a topology change. When several nodes join at once Ignite merges their
 * exchanges, and an operation mapped on a version that was merged away fails with "Getting affinity for too old
 * topology version that is already out of history" (CI: a third node of {@code hearthctl local up} exited while
 * starting). The step is tried again on the settled topology; any other failure is thrown at once.
 */
final class StartupRetry {
    private static final Logger LOG = LogManager.getLogger(StartupRetry.class);

    private StartupRetry() {
    }

    /**
     * Runs {@code step} until it returns, at most {@code attempts} times, {@code pauseMs} apart.
     *
     * @throws RuntimeException the step's own failure: at once when it is not a topology race, else after the
     *         last attempt
     */
    static <T> T run(String what, int attempts, long pauseMs, Supplier<T> step) {
        for (int attempt = 1; ; attempt++) {
            try {
                return step.get();
            } catch (RuntimeException e) {
                if (attempt >= attempts || !isTopologyRace(e)) {
                    throw e;
                }
                LOG.warn("{} raced a topology change (attempt {} of {}): {}; trying again", what, attempt, attempts,
                        e.getMessage());
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    e.addSuppressed(ie);
                    throw e;
                }
            }
        }
    }

    /** True when any cause in the chain says the topology moved under the operation. */
    static boolean isTopologyRace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClusterTopologyException || t instanceof ClusterTopologyCheckedException) {
                return true;
            }
            if (t instanceof IllegalStateException && t.getMessage() != null
                    && t.getMessage().contains("out of history")) {
                return true;
            }
        }
        return false;
    }
}
