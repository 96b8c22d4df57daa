package dev.hearth.node.memcached;

import java.util.List;
import java.util.Map;

/** What {@link TextHandler} answers, encoded by {@link TextEncoder}. */
sealed interface TextReply {
    /** One line; the encoder adds CRLF. */
    record Line(String text) implements TextReply {
    }

    /** A get's answer: VALUE lines then END. {@code cas} < 0: no CAS column. */
    record Values(List<Value> values) implements TextReply {
    }

    record Value(byte[] key, int flags, byte[] data, long cas) {
    }

    /** A meta answer: the header line's bytes (no CRLF) and, for VA, the value. */
    record Meta(byte[] header, byte[] value) implements TextReply {
    }

    /** Bytes written as they are (they carry their own line ends). */
    record Raw(byte[] bytes) implements TextReply {
    }

    /** STAT lines then END. */
    record Stats(Map<String, String> stats) implements TextReply {
    }

    /** Close the connection after what was written before. */
    record Close() implements TextReply {
    }
}
