package dev.hearth.node.admin;

import dev.hearth.node.dump.DumpService;
import dev.hearth.node.warmup.WarmupService;
import dev.hearth.wire.admin.StopReply;
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
    StopReply shutdown(boolean force);

    /** Starts a dump of this node's primary copies (answered 202); {@link #dump} shows its progress. */
    DumpService.DumpInfo startDump(String name, List<String> zones);

    DumpService.DumpList listDumps();

    DumpService.DumpInfo dump(String name);

    /**
     * Deletes this node's files of a dump.
     *
     * @throws java.util.NoSuchElementException if this node holds no such dump
     * @throws IllegalStateException while it is being written or a warm-up reads it
     */
    DumpService.DumpInfo deleteDump(String name);

    /** Reads every file of the dump again and checks its checksums. */
    DumpService.VerifyResult verifyDump(String name);

    /** @param dump null for the newest; @param zone null for all; @param rate entries/s, 0 unlimited */
    WarmupService.Status startWarmup(String dump, String zone, long rate);

    WarmupService.Status warmupStatus();

    /** Asks the running warm-up to stop (see {@link WarmupService#cancel}). */
    WarmupService.Status cancelWarmup();
}
