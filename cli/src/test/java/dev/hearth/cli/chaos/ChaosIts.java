package dev.hearth.cli.chaos;

import java.time.Duration;

/** What the short ITs in plain verify share. */
final class ChaosIts {
    private ChaosIts() {
    }

    /** A lighter load than the scenarios': the ITs run in plain verify next to other work on the machine. */
    static ChaosLoad.Config lightLoad() {
        return new ChaosLoad.Config(2, 2, 1, 1, Duration.ofSeconds(1), 100, 100, 120, 2_500);
    }
}
