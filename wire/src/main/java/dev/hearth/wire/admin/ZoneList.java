package dev.hearth.wire.admin;

import dev.hearth.storage.registry.Placement;
import java.util.List;

/** {@code GET /admin/zones}: where tenants without a record go, and every zone. */
public record ZoneList(Placement placement, List<ZoneSummary> zones) {
}
