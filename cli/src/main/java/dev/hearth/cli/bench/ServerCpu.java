package dev.hearth.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time the server processes spent, from {@code /proc/<pid>/stat} (user + system time of every thread), so that
 * a run's cost per operation is measured where the work is done: on a shared machine ops/s swing by 2x between
 * runs, CPU per operation hardly moves.
 */
final class ServerCpu {
    private final List<Long> pids;
    private final long ticksPerSecond;

    /** @param pids the server processes; empty: nothing is measured ({@link #nanos} is -1) */
    ServerCpu(List<Long> pids) {
        this.pids = List.copyOf(pids);
        this.ticksPerSecond = pids.isEmpty() ? 100 : clockTicks();
    }

    /** The servers' CPU time so far, in nanoseconds; -1 when no pid was given or one cannot be read. */
    long nanos() {
        if (pids.isEmpty()) {
            return -1;
        }
        long ticks = 0;
        for (long pid : pids) {
            String stat;
            try {
                stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /proc/" + pid + "/stat: is process " + pid
                        + " running on this machine?", e);
            }
            // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        }
        return ticks * 1_000_000_000L / ticksPerSecond;
    }

    /** USER_HZ, the unit of /proc's times: getconf's answer, else 100 (what Linux uses almost everywhere). */
    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return p.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
