package dev.hearth.wire.status;

/**
 * Whether a node should receive traffic, and why not ({@code /health/ready}, {@code /status}).
 *
 * @param ready joined, holds every partition assigned to it (no rebalance in progress for it), endpoints
 *     accepting, not stopping
 * @param reason why not, or "ready"; while this node refills the cluster (its local copy or a dump) "ready;
 *     refilling from ...": it serves meanwhile, and what has not arrived yet is a miss, never a wrong value
 */
public record Readiness(boolean ready, String reason) {
}
