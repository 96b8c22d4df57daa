package dev.hearth.wire.admin;

import java.util.List;

/** {@code GET /admin/verify}: the jobs this node keeps, oldest first. */
public record JobList(String node, List<JobSummary> jobs) {
}
