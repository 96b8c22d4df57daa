package dev.hearth.wire.status;

import java.util.List;

/**
 * What a node's last load of its local copy did ({@code /status}'s {@code localCopy.lastLoad}).
 *
 * @param bytesRead keys and values read
 * @param skippedPresent entries not sent because this node already held the key
 * @param installedLocally entries stored straight into this node's own copies (no network): files of partitions whose
 *     every owner held a file of the same content, including those installed at a primary's request
 * @param fileBytesDone bytes of the files handled so far (loaded, refused or not selected)
 * @param fileBytesTotal bytes of every file there is to handle
 * @param rateLimit entries per second the load was held to at the last look, 0 for none
 */
public record LocalCopyLoad(String state, String reason, int files, int refusedFiles, long entriesRead,
        long entriesSent, long skippedExpired, long skippedDamaged, long bytesRead, long startedAt,
        long elapsedMillis, List<String> refused, String error, long fileBytesDone, long fileBytesTotal,
        long rateLimit, long skippedPresent, long installedLocally) {

    /** As a refill for /status; null when no load ever started. */
    public Refill refill() {
        if (state.equals("none")) {
            return null;
        }
        return Refill.of("local copy", reason, state, entriesRead, -1, fileBytesDone, fileBytesTotal, startedAt,
                elapsedMillis, rateLimit);
    }
}
