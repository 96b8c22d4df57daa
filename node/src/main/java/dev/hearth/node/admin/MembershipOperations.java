package dev.hearth.node.admin;

import dev.hearth.wire.status.MembershipView;

/** The membership routes: {@code GET /membership} (what the split watch of other nodes asks) and the forget action. */
public interface MembershipOperations {
    /** This node's name. */
    String self();

    /** Whom this node expects and sees now. */
    MembershipView view();

    /**
     * Removes {@code node} from the expected members, on this node and in the cluster-wide record.
     *
     * @throws java.util.NoSuchElementException if {@code node} is not expected (404)
     * @throws IllegalStateException if {@code node} is in the cluster now (409)
     */
    MembershipView forget(String node);
}
