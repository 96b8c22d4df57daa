package dev.hearth.node.memcached;

import java.util.List;
import java.util.Map;

/** What {@link TextHandler} answers, encoded by {@link TextEncoder}. */
sealed interface TextReply {
    /** Room for the words and numbers around a value on the wire ("VALUE", flags, length, cas, CRLFs). */
    int VALUE_OVERHEAD = 64;

    /** About the bytes this answer takes until written: what the connection's budget counts. */
    long bytes();

    /** One line; the encoder adds CRLF. */
    record Line(String text) implements TextReply {
        @Override
        public long bytes() {
            return text.length() + 2L;
        }
    }

    /**
     * A get's answer, or a part of one: VALUE lines, then END when {@code end} (a get of many keys is answered in
     * parts so that it never holds all of its values at once).
     */
    record Values(List<Value> values, boolean end) implements TextReply {
        Values(List<Value> values) {
            this(values, true);
        }

        @Override
        public long bytes() {
            long n = 5;
            for (Value v : values) {
                n += v.data().length + v.key().length + VALUE_OVERHEAD;
            }
            return n;
        }
    }

    record Value(byte[] key, int flags, byte[] data, long cas) {
    }

    /** A meta answer: the header line's bytes (no CRLF) and, for VA, the value. */
    record Meta(byte[] header, byte[] value) implements TextReply {
        @Override
        public long bytes() {
            return header.length + (value == null ? 0 : value.length) + 4L;
        }
    }

    /** Bytes written as they are (they carry their own line ends). */
    record Raw(byte[] data) implements TextReply {
        @Override
        public long bytes() {
            return data.length;
        }
    }

    /** STAT lines then END. */
    record Stats(Map<String, String> stats) implements TextReply {
        @Override
        public long bytes() {
            long n = 5;
            for (Map.Entry<String, String> e : stats.entrySet()) {
                n += e.getKey().length() + e.getValue().length() + 8;
            }
            return n;
        }
    }
}
