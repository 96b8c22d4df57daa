package dev.hearth.node.tenant;

/**
 * Where one request for a tenant goes, as the registry mirror says at the moment of the request.
 *
 * @param zone the zone holding the tenant's keys
 * @param movingFrom the zone the tenant is leaving (a move is running), else null
 * @param maintenance the tenant's effective state is maintenance
 */
public record Route(String zone, String movingFrom, boolean maintenance) {
    public boolean moving() {
        return movingFrom != null;
    }
}
