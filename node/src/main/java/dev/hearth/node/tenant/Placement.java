package dev.hearth.node.tenant;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Where a tenant without a registry record lives: one zone ({@code mode=zone}) or a zone picked by hash
 * ({@code mode=hash}: zones sorted by name, index = floorMod(crc32(tenant as UTF-8), zones)). The client computes the
 * same function, so the formula must not change.
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record Placement(String mode, String zone, List<String> zones) {
    public static final String ZONE = "zone";
    public static final String HASH = "hash";

    public static Placement single(String zone) {
        return new Placement(ZONE, zone, null);
    }

    public static Placement hash(List<String> zones) {
        if (zones.isEmpty()) {
            throw new IllegalArgumentException("hash placement needs at least one zone");
        }
        return new Placement(HASH, null, zones.stream().sorted().toList());
    }

    /** From config: {@code hash} or a zone name. */
    public static Placement fromConfig(String placement, java.util.Collection<String> configuredZones) {
        return placement.equals(HASH) ? hash(List.copyOf(configuredZones)) : single(placement);
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
