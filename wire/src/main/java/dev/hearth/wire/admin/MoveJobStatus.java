package dev.hearth.wire.admin;

/**
 * A tenant move, as the node that runs it reports it ({@code POST /admin/tenants/<tenant>/move} and the tenant's
 * {@code move} field).
 *
 * @param node the node that runs the move
 * @param state "running", "done" or "failed"
 * @param finishedAt epoch millis, null while running
 * @param passes copy passes so far (a pass copies what the previous one found still in the old zone)
 * @param leftoversRemoved entries left in the old zone after the last pass, removed at the end
 * @param error why the move failed, else null
 */
public record MoveJobStatus(String node, String from, String to, String by, String state, long startedAt, Long finishedAt,
        int passes, long keysHandled, long keysMoved, long leftoversRemoved, String error) {
}
