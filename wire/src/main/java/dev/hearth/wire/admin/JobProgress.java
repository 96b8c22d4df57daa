package dev.hearth.wire.admin;

/**
 * How far the running pass of a verify or recover job is.
 *
 * @param zone the zone the pass is reading now, null before the first
 * @param percent partitions done, in percent with one decimal
 * @param entriesPerSecond entries per second since the job started
 * @param mbPerSecond megabytes (10^6) per second since the job started, one decimal
 */
public record JobProgress(String zone, long entriesDone, long entriesTotal, long partitionsDone, long partitionsTotal,
        double percent, long bytes, long entriesPerSecond, double mbPerSecond, long elapsedMillis) {
}
