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
    /**
     * The message of the 503 a node's admin port answers, to {@code /status} and every route that needs the joined
     * node, from the moment the port opens (before the node joins its cluster) until the node has joined: a process
     * that answers it is up and joining. hearthctl's rolling restart tells a node's start from its join by it.
     */
    public static final String STILL_STARTING = "the node is still starting";
}
