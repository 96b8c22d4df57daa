package dev.hearth.client.internal;

/**
 * The one key the client itself reads: the prober's. The zone caches' names, the keys' rules and the move tombstone
 * are the storage contract's ({@link dev.hearth.storage.CacheNames}, {@link dev.hearth.storage.TenantKey},
 * {@link dev.hearth.storage.MoveTombstone}).
 */
final class StorageKeys {
    /** Starts with ':' so that it can never be a tenant's key (tenant names are not empty). */
    static final String PROBE_KEY = ":hearth-client-probe";

    private StorageKeys() {
    }
}
