package dev.hearth.wire.admin;

import java.util.List;

/** {@code GET /admin/tenants}: every registered tenant and every tenant this node served, sorted by name. */
public record TenantList(List<TenantSummary> tenants) {
}
