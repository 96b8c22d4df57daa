package dev.hearth.node.memcached;

import java.util.List;

/** A decoded text- or meta-protocol command, from {@link TextDecoder} to {@link TextHandler}. */
sealed interface TextRequest {
    /** get, gets, gat, gats. {@code exptime} only for the touching ones. */
    record Get(List<byte[]> keys, boolean withCas, boolean touch, int exptime) implements TextRequest {
    }

    enum StoreCommand {
        SET, ADD, REPLACE, APPEND, PREPEND, CAS
    }

    record Store(StoreCommand command, byte[] key, int flags, int exptime, long cas, byte[] data, boolean noreply)
            implements TextRequest {
    }

    record Arith(byte[] key, boolean incr, long delta, boolean noreply) implements TextRequest {
    }

    record Delete(byte[] key, boolean noreply) implements TextRequest {
    }

    record Touch(byte[] key, int exptime, boolean noreply) implements TextRequest {
    }

    /** {@code delay} in memcached's exptime form (0 = now). */
    record FlushAll(int delay, boolean noreply) implements TextRequest {
    }

    record Version() implements TextRequest {
    }

    record Verbosity(boolean noreply) implements TextRequest {
    }

    /**
     * {@code sub} is "" for the general stats; {@code arg} the token after it ("" if none), which only
     * {@code stats detail} reads.
     */
    record Stats(String sub, String arg) implements TextRequest {
    }

    record Quit() implements TextRequest {
    }

    /** A line the decoder answered itself: an error (skipped when {@code noreply}), or a fixed answer. */
    record Reply(String line, boolean noreply) implements TextRequest {
    }

    /**
     * A value over the item size limit: answered "SERVER_ERROR object too large for cache" (unless noreply); its
     * data was swallowed. Like memcached, a refused set (and any refused ms) also removes the key's old value, so
     * no reader sees the value the client meant to replace. {@code meta}: it came from ms, which memcached's
     * detail stats do not count.
     */
    record TooLarge(byte[] key, boolean noreply, boolean removeOld, boolean meta) implements TextRequest {
    }

    /**
     * A classic storage command whose data block did not end with CRLF: answered "CLIENT_ERROR bad data chunk"
     * (unless noreply). Kept apart from {@link Reply} because memcached's detail stats count it as a set.
     */
    record BadDataChunk(byte[] key, boolean noreply) implements TextRequest {
    }

    /** Close the connection once earlier answers are written (over-long line, HTTP request...). */
    record Close(String reason) implements TextRequest {
    }

    /** A meta command: mg, ms, md, ma (mn and me have their own records). */
    record Meta(char command, byte[] key, MetaFlags flags, byte[] data) implements TextRequest {
    }

    record MetaNoop() implements TextRequest {
    }

    record MetaDebug(byte[] key, boolean base64) implements TextRequest {
    }
}
