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
        return HASH.equals(mode) ? zones.get(hashIndex(tenant, zones.size())) : zone;
    }

    /**
     * Hash placement's index of {@code tenant} among {@code n} zones sorted by name:
     * {@code Math.floorMod(crc32(tenant as UTF-8), n)}, with crc32 the unsigned value of {@link CRC32#getValue()} (a
     * long in 0..2^32-1, never cast to int first: every reader must find the same zone).
     */
    public static int hashIndex(String tenant, int n) {
        CRC32 crc = new CRC32();
        crc.update(tenant.getBytes(StandardCharsets.UTF_8));
        return (int) Math.floorMod(crc.getValue(), (long) n);
    }
}
