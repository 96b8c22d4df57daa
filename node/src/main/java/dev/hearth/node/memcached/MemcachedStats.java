package dev.hearth.node.memcached;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** memcached-style counters of this node's memcached listener (the {@code stats} command). */
final class MemcachedStats {
    final long startedMillis = System.currentTimeMillis();
    final AtomicInteger currConnections = new AtomicInteger();
    final LongAdder totalConnections = new LongAdder();
    final LongAdder rejectedConnections = new LongAdder();
    final LongAdder cmdGet = new LongAdder();
    final LongAdder cmdSet = new LongAdder();
    final LongAdder cmdFlush = new LongAdder();
    final LongAdder cmdTouch = new LongAdder();
    final LongAdder cmdMeta = new LongAdder();
    final LongAdder getHits = new LongAdder();
    final LongAdder getMisses = new LongAdder();
    final LongAdder deleteHits = new LongAdder();
    final LongAdder deleteMisses = new LongAdder();
    final LongAdder incrHits = new LongAdder();
    final LongAdder incrMisses = new LongAdder();
    final LongAdder decrHits = new LongAdder();
    final LongAdder decrMisses = new LongAdder();
    final LongAdder casHits = new LongAdder();
    final LongAdder casMisses = new LongAdder();
    final LongAdder casBadval = new LongAdder();
    final LongAdder touchHits = new LongAdder();
    final LongAdder touchMisses = new LongAdder();
    final LongAdder authCmds = new LongAdder();
    final LongAdder authErrors = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder protocolErrors = new LongAdder();
    /** {@code stats detail}: per-prefix counters, bounded to {@link PrefixStats#MAX_PREFIXES} prefixes. */
    final PrefixStats prefixes = new PrefixStats(PrefixStats.MAX_PREFIXES);

    /**
     * The general stats, in memcached's names and order where one exists.
     *
     * @param tenantView without the figures that only the whole listener has (connections, bytes, auth attempts):
     *        these counters are one authenticated tenant's, shown to that tenant
     */
    Map<String, String> general(int maxConnections, boolean tenantView) {
        long now = System.currentTimeMillis();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("pid", Long.toString(ProcessHandle.current().pid()));
        m.put("uptime", Long.toString((now - startedMillis) / 1000));
        m.put("time", Long.toString(now / 1000));
        m.put("version", MemcachedServer.VERSION);
        m.put("libevent", "netty");
        m.put("pointer_size", "64");
        m.put("max_connections", Integer.toString(maxConnections));
        if (!tenantView) {
            m.put("curr_connections", Integer.toString(currConnections.get()));
            m.put("total_connections", Long.toString(totalConnections.sum()));
            m.put("rejected_connections", Long.toString(rejectedConnections.sum()));
        }
        m.put("cmd_get", Long.toString(cmdGet.sum()));
        m.put("cmd_set", Long.toString(cmdSet.sum()));
        m.put("cmd_flush", Long.toString(cmdFlush.sum()));
        m.put("cmd_touch", Long.toString(cmdTouch.sum()));
        m.put("cmd_meta", Long.toString(cmdMeta.sum()));
        m.put("get_hits", Long.toString(getHits.sum()));
        m.put("get_misses", Long.toString(getMisses.sum()));
        m.put("get_expired", "0");
        m.put("get_flushed", "0");
        m.put("delete_misses", Long.toString(deleteMisses.sum()));
        m.put("delete_hits", Long.toString(deleteHits.sum()));
        m.put("incr_misses", Long.toString(incrMisses.sum()));
        m.put("incr_hits", Long.toString(incrHits.sum()));
        m.put("decr_misses", Long.toString(decrMisses.sum()));
        m.put("decr_hits", Long.toString(decrHits.sum()));
        m.put("cas_misses", Long.toString(casMisses.sum()));
        m.put("cas_hits", Long.toString(casHits.sum()));
        m.put("cas_badval", Long.toString(casBadval.sum()));
        m.put("touch_hits", Long.toString(touchHits.sum()));
        m.put("touch_misses", Long.toString(touchMisses.sum()));
        if (!tenantView) {
            m.put("auth_cmds", Long.toString(authCmds.sum()));
            m.put("auth_errors", Long.toString(authErrors.sum()));
            m.put("bytes_read", Long.toString(bytesRead.sum()));
            m.put("bytes_written", Long.toString(bytesWritten.sum()));
        }
        m.put("protocol_errors", Long.toString(protocolErrors.sum()));
        m.put("threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("hearth_detail_prefixes", Integer.toString(prefixes.size()));
        m.put("hearth_detail_untracked", Long.toString(prefixes.untracked()));
        return m;
    }
}
