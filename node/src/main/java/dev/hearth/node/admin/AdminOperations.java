package dev.hearth.node.admin;

import java.util.List;

/**
 * The actions the admin port exposes, besides reading status. Implementations throw
 * {@link IllegalArgumentException} for bad input (HTTP 400), {@link IllegalStateException} for a request that
 * conflicts with the node's state or would be unsafe (409), and {@link java.util.NoSuchElementException} for
 * something that does not exist (404).
 */
public interface AdminOperations {
    /**
     * Stops this node gracefully and exits the process (its supervisor restarts it).
     *
     * @param force stop even when the node reports it is not safe to stop
     * @return what will happen, for the reply
     */
    Object shutdown(boolean force);

    Object startDump(String name, List<String> zones);

    Object listDumps();

    Object dump(String name);

    Object verifyDump(String name);

    /** @param dump null for the newest; @param zone null for all; @param rate entries/s, 0 unlimited */
    Object startWarmup(String dump, String zone, long rate);

    Object warmupStatus();
}
