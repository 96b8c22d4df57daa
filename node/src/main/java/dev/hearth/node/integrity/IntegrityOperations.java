package dev.hearth.node.integrity;

import dev.hearth.wire.admin.DamageReport;
import dev.hearth.wire.admin.JobList;
import dev.hearth.wire.admin.RecoverJobStatus;
import dev.hearth.wire.admin.VerifyJobStatus;

/**
 * Verify, repair, zone recovery and the damage test hook behind {@code /admin/verify}, {@code /admin/zones/{z}/recover},
 * {@code /admin/recover/{id}} and {@code /admin/test/damage}. Refusals are exceptions the admin port maps to HTTP:
 * IllegalArgumentException (bad input, 400), NoSuchElementException (no such zone or job, 404), IllegalStateException
 * (not now, 409). Jobs run on this node and are kept by it: another node does not know them.
 */
public interface IntegrityOperations {
    /** @param zone null for every zone (or the tenant's); @param tenant null for all; @param rate entries/s, 0 = unlimited */
    VerifyJobStatus startVerify(String zone, String tenant, boolean repair, long rate);

    /** Every job this node keeps, verify and recover alike. */
    JobList verifyJobs();

    VerifyJobStatus verifyJob(String id);

    RecoverJobStatus startRecover(String zone, long rate, String by);

    RecoverJobStatus recoverJob(String id);

    /**
     * Asks a running verify to stop after its current batch of partitions; its state becomes {@code cancelled} then.
     * What it repaired before stays repaired. No effect on a job that has ended.
     *
     * @return the job as it is now (usually still {@code running}: it stops within one batch)
     */
    VerifyJobStatus cancelVerify(String id);

    /**
     * Asks a running zone recovery to stop after its current batch. Tenants not yet brought back, and the zone's
     * maintenance flag, stay in maintenance: the safe state, which a later recover or a maintenance off ends.
     */
    RecoverJobStatus cancelRecover(String id);

    /** @throws java.util.NoSuchElementException when the hook is disabled (it then does not exist) */
    DamageReport damage(String zone, String kind, long count, String tenant, String node);
}
