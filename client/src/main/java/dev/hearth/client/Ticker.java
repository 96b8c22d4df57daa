package dev.hearth.client;

/**
 * A monotonic time source in nanoseconds, read as {@link System#nanoTime()} is: only differences between two readings
 * mean anything. The client measures with it each operation's deadline and latency and the age of its registry
 * reading (writes are refused past {@code maxRegistryAge}). Waits themselves (timers, a sync caller's wait) take real
 * time: a test that advances a fake ticker makes deadlines and ages pass without waiting for them.
 */
@FunctionalInterface
public interface Ticker {
    /** The current reading, in nanoseconds. */
    long read();

    /** {@link System#nanoTime()}: the default. */
    static Ticker system() {
        return System::nanoTime;
    }
}
