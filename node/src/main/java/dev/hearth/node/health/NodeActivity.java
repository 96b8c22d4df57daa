package dev.hearth.node.health;

import java.util.Map;

/**
 * What the node is doing beyond serving requests, at one instant, for metrics: open client connections, the last
 * dump it completed and the progress of its background jobs.
 *
 * @param memcachedConnections memcached connections open now (0 when the port is off)
 * @param memcachedConnectionLimit memcached.maxConnections (0 when the port is off)
 * @param lastDumpCompletedMillis when this node's newest complete dump finished, epoch ms (0: none)
 * @param jobs kind ({@code warmup}, {@code verify}, {@code recover}) to the newest job of that kind on this node
 */
public record NodeActivity(int memcachedConnections, int memcachedConnectionLimit, long lastDumpCompletedMillis,
        Map<String, Job> jobs) {
    /** The kinds of job, all of which are always reported (a series that appears late breaks rate() and alerts). */
    public static final java.util.List<String> JOB_KINDS = java.util.List.of("warmup", "verify", "recover");

    /**
     * @param running the job is running now
     * @param fraction share done, 0 to 1; 0 when no job of the kind ever ran
     */
    public record Job(boolean running, double fraction) {
        public static final Job NONE = new Job(false, 0);

        /** Progress of {@code done} out of {@code total}, where a finished job with nothing to do counts as done. */
        public static Job of(boolean running, long done, long total) {
            double f = total > 0 ? Math.min(1.0, (double) done / total) : running ? 0 : 1;
            return new Job(running, f);
        }
    }

    public static final NodeActivity NONE = new NodeActivity(0, 0, 0, Map.of());
}
