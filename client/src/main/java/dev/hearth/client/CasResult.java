package dev.hearth.client;

/** The outcome of a conditional write ({@code cas}) or delete, in memcached's vocabulary. */
public enum CasResult {
    /** The write (or delete) happened. */
    STORED,
    /** The key holds a different version: somebody else wrote it since it was read. Nothing changed. */
    EXISTS,
    /** The key is absent (or expired). Nothing changed. */
    NOT_FOUND
}
