package dev.hearth.storage.registry;

/** Zone-level state ({@code zone/<name>}): the maintenance flag applies to tenants of the zone without a record. */
public record ZoneState(String zone, boolean maintenance, long changedAt, String changedBy) {
}
