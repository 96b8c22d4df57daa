package dev.hearth.wire.status;

/** A node's local copy, in totals ({@code /status}'s {@code localCopy}, the metrics). */
public record LocalCopyStatus(boolean enabled, long lastWriteAt, long lastWriteMillis, long lastWriteFiles,
        long lastWriteEntries, long lastWriteBytes, long files, long entries, long bytes, long writes,
        long filesWritten, long bytesWritten, long segmentsAppended, long writeFailures, String lastError,
        LocalCopyLoad lastLoad) {
}
