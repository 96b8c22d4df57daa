package dev.hearth.node.health;

import dev.hearth.wire.StopSafety;
import dev.hearth.wire.status.NodeSnapshot;
import dev.hearth.wire.status.Readiness;

/**
 * What a node knows about itself and its cluster, for the admin endpoint (the records are in
 * {@code dev.hearth.wire.status}, shared with hearthctl). Implementations may block briefly
 * (cluster-wide counts are bounded by a timeout): call them off event-loop threads.
 */
public interface NodeStatus {
    /** Cheap: whether this node should receive traffic, and why not. */
    Readiness readiness();

    /** The full picture at this instant. */
    NodeSnapshot snapshot();

    /** Whether stopping this node now would lose data, and why. */
    StopSafety safety();

    /**
     * Cheap: how long the partition exchange in progress (Ignite's reaction to a node joining or leaving) has blocked
     * this node's cache operations, in milliseconds; 0 when none does.
     */
    long exchangeBlockedMillis();
}
