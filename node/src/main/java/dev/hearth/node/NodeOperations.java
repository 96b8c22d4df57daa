package dev.hearth.node;

import dev.hearth.node.admin.AdminOperations;
import dev.hearth.node.dump.DumpService;
import dev.hearth.node.status.NodeStatus;
import dev.hearth.node.warmup.WarmupService;
import dev.hearth.wire.StopSafety;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** The admin port's actions, over the node's services. */
final class NodeOperations implements AdminOperations {
    private final String nodeName;
    private final NodeStatus status;
    private final DumpService dumps;
    private final WarmupService warmup;
    private final Runnable exit;

    NodeOperations(String nodeName, NodeStatus status, DumpService dumps, WarmupService warmup, Runnable exit) {
        this.nodeName = nodeName;
        this.status = status;
        this.dumps = dumps;
        this.warmup = warmup;
        this.exit = exit;
    }

    @Override
    public Object shutdown(boolean force) {
        StopSafety safety = status.safety();
        if (!safety.safeToStop() && !force) {
            throw new IllegalStateException("refusing to stop " + nodeName + ": not safe to stop: "
                    + String.join("; ", safety.reasons()) + " (force=true overrides)");
        }
        Thread t = new Thread(exit, "hearth-admin-shutdown");
        t.setDaemon(false);
        t.start();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", nodeName);
        body.put("stopping", true);
        body.put("forced", !safety.safeToStop());
        body.put("reasons", safety.reasons());
        return body;
    }

    @Override
    public Object startDump(String name, List<String> zones) {
        return dumps.start(name, zones);
    }

    @Override
    public Object listDumps() {
        return Map.of("node", nodeName, "dumps", dumps.list());
    }

    @Override
    public Object dump(String name) {
        return dumps.info(name).orElseThrow(() -> new NoSuchElementException("no dump named '" + name + "' on "
                + nodeName));
    }

    @Override
    public Object verifyDump(String name) {
        return dumps.verify(name).orElseThrow(() -> new NoSuchElementException("no dump named '" + name + "' on "
                + nodeName));
    }

    @Override
    public Object startWarmup(String dump, String zone, long rate) {
        return warmup.start(dump, zone, rate);
    }

    @Override
    public Object warmupStatus() {
        return warmup.status();
    }
}
