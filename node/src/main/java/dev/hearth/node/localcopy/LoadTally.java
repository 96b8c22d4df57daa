package dev.hearth.node.localcopy;

import dev.hearth.node.warmup.AdaptiveRate;
import dev.hearth.wire.status.LocalCopyLoad;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** What one load of the local copy did so far; one thread updates it. */
final class LoadTally {
    final String reason;
    final long startedAt;
    final AdaptiveRate pace;
    final List<String> refused = new ArrayList<>();
    int files;
    long read;
    long sent;
    long expired;
    long damaged;
    long present;
    long bytes;
    long fileBytesDone;
    long fileBytesTotal;
    /** What this load installed into this node's own copies itself. */
    LocalInstall.Installed own = LocalInstall.Installed.NONE;
    /** This node's primary files installed as a merge with their backups' differing files. */
    int merged;
    /** Files not read because other nodes installed the same content. */
    int twinsElsewhere;
    /** When this node's own primaries were installed (0: not yet or none ran); its backups' copies follow. */
    long primariesInstalledAt;
    /** Backup copies of this node's primaries that their node did not install (logged each). */
    int backupsLeft;
    /** When this node's local install ended, and when every other node's had (0: none ran). */
    long installedAt;
    long othersInstalledAt;

    /** Installs at other primaries' requests, counted with this load's own. */
    final Supplier<LocalInstall.Installed> onRequest;

    LoadTally(String reason, long startedAt, AdaptiveRate pace, Supplier<LocalInstall.Installed> onRequest) {
        this.reason = reason;
        this.onRequest = onRequest;
        this.startedAt = startedAt;
        this.pace = pace;
    }

    LocalCopyLoad result(String state, String error) {
        boolean running = state.equals("running");
        LocalInstall.Installed i = own.plus(onRequest.get());
        return new LocalCopyLoad(state, reason, files + i.files(), refused.size(), read + i.read(), sent,
                expired + i.expired(), damaged + i.damaged(), bytes + i.bytes(), startedAt,
                System.currentTimeMillis() - startedAt, List.copyOf(refused), error, fileBytesDone,
                fileBytesTotal, running ? pace.limit() : 0, present + i.present(), i.stored());
    }
}
