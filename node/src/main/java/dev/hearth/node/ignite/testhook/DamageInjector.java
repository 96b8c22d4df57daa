package dev.hearth.node.ignite.testhook;

import dev.hearth.node.integrity.Copy;
import dev.hearth.node.integrity.Damager;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.Envelope;
import dev.hearth.storage.Item;
import dev.hearth.storage.TenantKey;
import dev.hearth.wire.admin.DamageReport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.IgniteCheckedException;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.affinity.AffinityTopologyVersion;
import org.apache.ignite.internal.processors.cache.GridCacheContext;
import org.apache.ignite.internal.processors.cache.GridCacheEntryEx;
import org.apache.ignite.internal.processors.cache.GridCacheEntryRemovedException;
import org.apache.ignite.internal.processors.cache.KeyCacheObject;
import org.apache.ignite.internal.processors.cache.version.GridCacheVersion;
import org.apache.ignite.internal.processors.dr.GridDrType;

/**
 * The damage test hook: spoils copies held by this node only, the way a bad disk, bad RAM or a bug would, so
 * tests can check that verify finds them and repair fixes them. Never enabled outside tests
 * ({@code testing.damageEndpoint}).
 *
 * <p>Ignite has no public way to write one copy only: every write goes to the primary and on to the backups.
 * {@code localClear(key)} (public) drops this node's copy without telling anyone, which is "drop". For "flip" and
 * "change", the copy is dropped that way and then put back with different bytes through
 * {@code GridCacheEntryEx.initialValue}, the internal call rebalancing uses to install a copy received from another
 * node: it writes only this node's copy, and (without persistence) only into an entry that does not exist, which
 * the clear just guaranteed. The copy keeps its Ignite version, TTL and expire time, so for Ignite it is the same
 * entry and only its bytes differ. This touches internals that may change between Ignite versions; it is confined
 * to this class and exercised by the integrity tests, which fail loudly if it stops working.
 */
public final class DamageInjector implements Damager {
    private final IgniteEx ignite;
    /** Copies this hook damaged already: never picked twice, so counts of damage stay exact. */
    private final Set<String> damaged = ConcurrentHashMap.newKeySet();

    public DamageInjector(Ignite ignite) {
        this.ignite = (IgniteEx) ignite;
    }

    @Override
    public List<DamageReport.DamagedCopy> damage(String zone, Kind kind, int count, String tenant) {
        String cacheName = CacheNames.zoneCache(zone);
        IgniteCache<String, byte[]> cache = ignite.cache(cacheName);
        GridCacheContext<String, byte[]> cctx = ignite.<String, byte[]>cachex(cacheName).context();
        List<String> picked = new ArrayList<>();
        for (Cache.Entry<String, byte[]> e : cache.localEntries(CachePeekMode.PRIMARY, CachePeekMode.BACKUP)) {
            String key = e.getKey();
            if ((tenant == null || tenant.equals(Copy.tenantOf(key))) && !damaged.contains(zone + '\0' + key)) {
                picked.add(key);
                if (picked.size() == count) {
                    break;
                }
            }
        }
        List<DamageReport.DamagedCopy> out = new ArrayList<>();
        for (String key : picked) {
            boolean primary = ignite.affinity(cacheName).isPrimary(ignite.localNode(), key);
            boolean done = kind == Kind.drop ? drop(cache, key) : rewrite(cache, cctx, key, kind);
            if (done) {
                damaged.add(zone + '\0' + key);
                out.add(new DamageReport.DamagedCopy(key, kind.name(), primary ? "primary" : "backup"));
            }
        }
        return out;
    }

    private static boolean drop(IgniteCache<String, byte[]> cache, String key) {
        if (cache.localPeek(key, CachePeekMode.PRIMARY, CachePeekMode.BACKUP) == null) {
            return false;
        }
        cache.localClear(key);
        return cache.localPeek(key, CachePeekMode.PRIMARY, CachePeekMode.BACKUP) == null;
    }

    private static boolean rewrite(IgniteCache<String, byte[]> cache, GridCacheContext<String, byte[]> cctx,
            String key, Kind kind) {
        byte[] current = cache.localPeek(key, CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
        if (current == null) {
            return false;
        }
        byte[] bad = kind == Kind.flip ? flip(current) : change(key, current);
        if (bad == null) {
            return false;
        }
        KeyCacheObject k = cctx.toCacheKeyObject(key);
        try {
            GridCacheVersion ver;
            long ttl;
            long expireTime;
            GridCacheEntryEx entry = cctx.dht().entryEx(k);
            try {
                entry.unswap();
                ver = entry.version();
                ttl = entry.ttl();
                expireTime = entry.expireTime();
            } finally {
                entry.touch();
            }
            cache.localClear(key);
            AffinityTopologyVersion topVer = cctx.topology().readyTopologyVersion();
            GridCacheEntryEx fresh = cctx.dht().entryEx(k);
            cctx.shared().database().checkpointReadLock();
            try {
                // preload=true as rebalancing does; Ignite asserts that a preloaded copy is not flagged primary.
                return fresh.initialValue(cctx.toCacheObject(bad), ver, ttl, expireTime, true, topVer,
                        GridDrType.DR_NONE, false, false);
            } finally {
                cctx.shared().database().checkpointReadUnlock();
                fresh.touch();
            }
        } catch (IgniteCheckedException | GridCacheEntryRemovedException e) {
            throw new IllegalStateException("could not damage " + key + ": " + e, e);
        }
    }

    /** The same bytes with one value byte (or, for an empty value, a flags byte) inverted: the checksum fails. */
    static byte[] flip(byte[] stored) {
        byte[] b = stored.clone();
        int at = b.length > Envelope.HEADER ? Envelope.HEADER + (b.length - Envelope.HEADER) / 2 : Math.min(2,
                b.length - 1);
        if (at < 0) {
            return null;
        }
        b[at] ^= (byte) 0xFF;
        return b;
    }

    /**
     * A different value under the same key, flags, version and expiry, with a valid checksum: only comparing copies
     * can tell it from the real one.
     */
    static byte[] change(String storageKey, byte[] stored) {
        TenantKey key = TenantKey.fromStorageKey(storageKey);
        Item item = Envelope.decode(key, stored);
        if (item == null) {
            return null;
        }
        byte[] value = ("changed-" + new String(item.value(), StandardCharsets.ISO_8859_1))
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = Envelope.encode(key, new Item(value, item.flags(), item.version(), item.expireAt(), item.stale(),
                item.tokenSent(), item.fetched()));
        // The envelope carries the same version as the original: encode() copies it from the item.
        assert Envelope.version(out) == item.version();
        return out;
    }
}
