package dev.hearth.node.memcached;

import java.util.function.Function;

/**
 * What a text parser asks of the framing once it has read a command line: read a data block next, or skip the
 * bytes of a refused one.
 */
interface TextFraming {
    /** The next {@code block.length()} bytes and CRLF are the command's data. */
    void expectData(DataBlock block);

    /** Skips the next {@code bytes} bytes: a refused command's data and its CRLF. */
    void swallow(long bytes);

    /**
     * A command waiting for its data block.
     *
     * @param complete the request once the block is read
     * @param badChunk the answer when the block does not end with CRLF
     */
    record DataBlock(int length, Function<byte[], TextRequest> complete, TextRequest badChunk) {
    }
}
