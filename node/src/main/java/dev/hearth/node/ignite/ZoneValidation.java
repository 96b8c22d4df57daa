package dev.hearth.node.ignite;

import dev.hearth.storage.CacheNames;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.cache.CacheGroupContext;
import org.apache.ignite.internal.processors.cache.distributed.dht.GridDhtTopologyFutureAdapter;
import org.apache.ignite.internal.processors.cache.distributed.dht.preloader.GridDhtPartitionsExchangeFuture;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Re-runs the zone caches' topology validation on the current topology. Ignite validates only when a server joins or
 * leaves and keeps the verdict until the next such event; the quorum verdict also changes when the expected members
 * do (an operator's forget, a member learned from a peer), and a cut-off survivor whose peers were forgotten must
 * accept writes at once, not when the next node comes. Ignite offers no public call for this: the last exchange's
 * verdicts are cleared for the zone groups and recomputed with its own {@code validate}.
 */
final class ZoneValidation {
    private static final Logger LOG = LogManager.getLogger(ZoneValidation.class);
    private static final Field VERDICTS;

    static {
        Field f;
        try {
            f = GridDhtTopologyFutureAdapter.class.getDeclaredField("grpValidRes");
            f.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("Ignite's topology verdicts are out of reach ({}): a change of the expected members takes effect "
                    + "for writes at the next server join or leave", e.toString());
            f = null;
        }
        VERDICTS = f;
    }

    private ZoneValidation() {
    }

    /** @return whether the verdicts were recomputed */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static boolean revalidate(IgniteEx ignite) {
        if (VERDICTS == null) {
            return false;
        }
        GridDhtPartitionsExchangeFuture last = ignite.context().cache().context().exchange().lastFinishedFuture();
        if (last == null) {
            return false;
        }
        try {
            synchronized (ZoneValidation.class) {
                Map old = (Map) VERDICTS.get(last);
                Map next = new ConcurrentHashMap(old == null ? Map.of() : old);
                for (CacheGroupContext grp : ignite.context().cache().cacheGroups()) {
                    if (grp.cacheOrGroupName().startsWith(CacheNames.ZONE_CACHE_PREFIX)) {
                        next.remove(grp.groupId());
                    }
                }
                VERDICTS.set(last, next);
                for (CacheGroupContext grp : ignite.context().cache().cacheGroups()) {
                    if (grp.cacheOrGroupName().startsWith(CacheNames.ZONE_CACHE_PREFIX)) {
                        last.validate(grp);
                    }
                }
            }
            return true;
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.warn("Could not re-run the zone caches' topology validation: {}", e.toString());
            return false;
        }
    }
}
