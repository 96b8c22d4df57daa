package dev.hearth.node;

import dev.hearth.node.admin.AdminOperations;
import dev.hearth.node.dump.DumpService;
import dev.hearth.node.health.NodeStatus;
import dev.hearth.node.warmup.WarmupService;
import dev.hearth.wire.StopSafety;
import dev.hearth.wire.admin.StopReply;
import java.util.List;
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
    public StopReply shutdown(boolean force) {
        StopSafety safety = status.safety();
        if (!safety.safeToStop() && !force) {
            throw new IllegalStateException("refusing to stop " + nodeName + ": not safe to stop: "
                    + String.join("; ", safety.reasons()) + " (force=true overrides)");
        }
        Thread t = new Thread(exit, "hearth-admin-shutdown");
        t.setDaemon(false);
        t.start();
        return new StopReply(nodeName, true, !safety.safeToStop(), safety.reasons());
    }

    @Override
    public DumpService.DumpInfo startDump(String name, List<String> zones) {
        return dumps.start(name, zones);
    }

    @Override
    public DumpService.DumpList listDumps() {
        return new DumpService.DumpList(nodeName, dumps.list());
    }

    @Override
    public DumpService.DumpInfo dump(String name) {
        return dumps.info(name).orElseThrow(() -> new NoSuchElementException("no dump named '" + name + "' on "
                + nodeName));
    }

    @Override
    public DumpService.DumpInfo deleteDump(String name) {
        WarmupService.Status w = warmup.status();
        if ("running".equals(w.state()) && name.equals(w.dump())) {
            throw new IllegalStateException("a warm-up is reading dump " + name + " on " + nodeName
                    + "; delete it after");
        }
        return dumps.delete(name).orElseThrow(() -> new NoSuchElementException("no dump named '" + name + "' on "
                + nodeName));
    }

    @Override
    public DumpService.VerifyResult verifyDump(String name) {
        return dumps.verify(name).orElseThrow(() -> new NoSuchElementException("no dump named '" + name + "' on "
                + nodeName));
    }

    @Override
    public WarmupService.Status startWarmup(String dump, String zone, long rate) {
        return warmup.start(dump, zone, rate);
    }

    @Override
    public WarmupService.Status warmupStatus() {
        return warmup.status();
    }

    @Override
    public WarmupService.Status cancelWarmup() {
        return warmup.cancel();
    }
}
