package dev.hearth.storage.registry;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Where a tenant without a registry record lives: one zone ({@code mode=zone}) or a zone picked by hash
 * ({@code mode=hash}: zones sorted by name, index = floorMod(crc32(tenant as UTF-8), zones)). The client computes the
 * same function, so the formula must not change. {@code maintenanceMode} ("miss" or "reject", config
 * tenants.maintenanceMode) rides along in the same registry record so that clients know what maintenance means.
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record Placement(String mode, String zone, List<String> zones, String maintenanceMode) {
    public static final String ZONE = "zone";
    public static final String HASH = "hash";

    public static Placement single(String zone) {
        return new Placement(ZONE, zone, null, null);
    }

    public static Placement hash(List<String> zones) {
        if (zones.isEmpty()) {
            throw new IllegalArgumentException("hash placement needs at least one zone");
        }
        return new Placement(HASH, null, zones.stream().sorted().toList(), null);
    }

    /** From config: {@code hash} or a zone name, and the maintenance mode ("miss" or "reject"). */
    public static Placement fromConfig(String placement, java.util.Collection<String> configuredZones,
            String maintenanceMode) {
        Placement p = placement.equals(HASH) ? hash(List.copyOf(configuredZones)) : single(placement);
        return new Placement(p.mode(), p.zone(), p.zones(), maintenanceMode);
    }

    public String zoneOf(String tenant) {
        if (HASH.equals(mode)) {
            CRC32 crc = new CRC32();
            crc.update(tenant.getBytes(StandardCharsets.UTF_8));
            return zones.get((int) Math.floorMod(crc.getValue(), (long) zones.size()));
        }
        return zone;
    }
}
