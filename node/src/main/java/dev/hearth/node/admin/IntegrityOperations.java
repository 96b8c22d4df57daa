package dev.hearth.node.admin;

/**
 * Verify, repair, zone recovery and the damage test hook behind {@code /admin/verify}, {@code /admin/zones/{z}/recover},
 * {@code /admin/recover/{id}} and {@code /admin/test/damage}. Same exception contract as {@link AdminOperations}.
 */
public interface IntegrityOperations {
    /** @param zone null for every zone (or the tenant's); @param tenant null for all; @param rate entries/s, 0 = unlimited */
    Object startVerify(String zone, String tenant, boolean repair, long rate);

    Object verifyJobs();

    Object verifyJob(String id);

    Object startRecover(String zone, long rate, String by);

    Object recoverJob(String id);

    /** @throws java.util.NoSuchElementException when the hook is disabled (it then does not exist) */
    Object damage(String zone, String kind, long count, String tenant, String node);
}
