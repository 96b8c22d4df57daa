package dev.hearth.wire.admin;

/** {@code POST /admin/tenants/<tenant>/flush}: how many entries left the tenant's zone, and who asked. */
public record FlushResult(String tenant, String zone, long removed, String by) {
}
