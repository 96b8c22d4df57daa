package dev.hearth.node.memcached;

import static dev.hearth.node.memcached.TextTokens.BAD_FORMAT;
import static dev.hearth.node.memcached.TextTokens.badKey;
import static dev.hearth.node.memcached.TextTokens.error;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Parses memcached's classic text commands (get, set, incr, delete, stats...) as memcached 1.6's proto_text.c does:
 * the same checks in the same order and the same error strings. A storage command's value is read by the framing
 * after its size was checked against the item size limit.
 */
final class ClassicParser {
    private final int maxItemSize;
    private final TextFraming framing;

    ClassicParser(int maxItemSize, TextFraming framing) {
        this.maxItemSize = maxItemSize;
        this.framing = framing;
    }

    /**
     * Parses one classic command line; {@code tk} are its tokens, at least one of at least two bytes.
     *
     * @return the request, or null when it waits for its data block (asked of the framing)
     */
    TextRequest parse(byte[] line, int len, TextTokens tk) {
        int n = tk.n;
        byte first = tk.get(0)[0];
        if (first == 'g') {
            if (n < 3) {
                return error("ERROR");
            }
            boolean get = tk.is(0, "get");
            boolean gets = tk.is(0, "gets");
            boolean gat = tk.is(0, "gat");
            boolean gats = tk.is(0, "gats");
            if (!get && !gets && !gat && !gats) {
                return error("ERROR");
            }
            return parseGet(line, len, tk, gets || gats, gat || gats);
        }
        if (tk.is(0, "set")) {
            return storage(tk, TextRequest.StoreCommand.SET, 6, 7);
        }
        if (tk.is(0, "add")) {
            return storage(tk, TextRequest.StoreCommand.ADD, 6, 7);
        }
        if (tk.is(0, "append")) {
            return storage(tk, TextRequest.StoreCommand.APPEND, 6, 7);
        }
        if (tk.is(0, "replace")) {
            return storage(tk, TextRequest.StoreCommand.REPLACE, 6, 7);
        }
        if (tk.is(0, "prepend")) {
            return storage(tk, TextRequest.StoreCommand.PREPEND, 6, 7);
        }
        if (tk.is(0, "cas")) {
            return storage(tk, TextRequest.StoreCommand.CAS, 7, 8);
        }
        if (tk.is(0, "stats")) {
            if (n == 2) {
                return new TextRequest.Stats("", "");
            }
            return new TextRequest.Stats(tk.str(1), n >= 4 ? tk.str(2) : "");
        }
        if (tk.is(0, "incr") || tk.is(0, "decr")) {
            if (n != 4 && n != 5) {
                return error("ERROR");
            }
            boolean nr = tk.noreply();
            if (badKey(tk.get(1))) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
            long delta;
            try {
                delta = Numbers.strtoull(tk.get(2));
            } catch (NumberFormatException e) {
                return new TextRequest.Reply("CLIENT_ERROR invalid numeric delta argument", nr);
            }
            return new TextRequest.Arith(tk.get(1), tk.is(0, "incr"), delta, nr);
        }
        if (tk.is(0, "delete")) {
            if (n < 3 || n > 5) {
                return error("ERROR");
            }
            boolean nr = false;
            if (n > 3) {
                boolean holdIsZero = tk.is(2, "0");
                nr = tk.noreply();
                boolean valid = (n == 4 && (holdIsZero || nr)) || (n == 5 && holdIsZero && nr);
                if (!valid) {
                    return new TextRequest.Reply("CLIENT_ERROR bad command line format.  "
                            + "Usage: delete <key> [noreply]", nr);
                }
            }
            if (badKey(tk.get(1))) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
            return new TextRequest.Delete(tk.get(1), nr);
        }
        if (tk.is(0, "touch")) {
            if (n != 4 && n != 5) {
                return error("ERROR");
            }
            boolean nr = tk.noreply();
            if (badKey(tk.get(1))) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
            int exptime;
            try {
                exptime = Numbers.strtol(tk.get(2));
            } catch (NumberFormatException e) {
                return new TextRequest.Reply("CLIENT_ERROR invalid exptime argument", nr);
            }
            return new TextRequest.Touch(tk.get(1), exptime, nr);
        }
        if (tk.is(0, "flush_all")) {
            if (n < 2 || n > 4) {
                return error("ERROR");
            }
            boolean nr = tk.noreply();
            int delay = 0;
            if (n != (nr ? 3 : 2)) {
                try {
                    delay = Numbers.strtol(tk.get(1));
                } catch (NumberFormatException e) {
                    return new TextRequest.Reply("CLIENT_ERROR invalid exptime argument", nr);
                }
            }
            return new TextRequest.FlushAll(delay, nr);
        }
        if (tk.is(0, "version")) {
            return new TextRequest.Version();
        }
        if (tk.is(0, "quit")) {
            return new TextRequest.Quit();
        }
        if (tk.is(0, "verbosity")) {
            if (n != 3 && n != 4) {
                return error("ERROR");
            }
            boolean nr = tk.noreply();
            try {
                Numbers.strtoul(tk.get(1));
            } catch (NumberFormatException e) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
            return new TextRequest.Verbosity(nr);
        }
        if (tk.is(0, "shutdown")) {
            return error("ERROR: shutdown not enabled");
        }
        byte[] last = tk.get(n - 2);
        if (last.length >= 5 && last[0] == 'H' && last[1] == 'T' && last[2] == 'T' && last[3] == 'P'
                && last[4] == '/') {
            return new TextRequest.Close("HTTP request");
        }
        return error("ERROR");
    }

    private TextRequest parseGet(byte[] line, int len, TextTokens tk, boolean withCas, boolean touch) {
        int exptime = 0;
        int keyIndex = 1;
        if (touch) {
            try {
                exptime = Numbers.strtol(tk.get(1));
            } catch (NumberFormatException e) {
                return error("CLIENT_ERROR invalid exptime argument");
            }
            keyIndex = 2;
        }
        List<byte[]> keys = new ArrayList<>();
        for (int i = keyIndex; i < tk.n - 1; i++) {
            keys.add(tk.get(i));
        }
        if (tk.restStart >= 0) {
            int s = tk.restStart;
            for (int e = tk.restStart; e <= len; e++) {
                if (e == len || line[e] == ' ') {
                    if (e > s) {
                        keys.add(Arrays.copyOfRange(line, s, e));
                    }
                    s = e + 1;
                }
            }
        }
        if (keys.isEmpty()) {
            // "gat 10" with no key: memcached answers END
            return new TextRequest.Get(keys, withCas, touch, exptime);
        }
        for (byte[] k : keys) {
            if (badKey(k)) {
                return error(BAD_FORMAT);
            }
        }
        return new TextRequest.Get(keys, withCas, touch, exptime);
    }

    private TextRequest storage(TextTokens tk, TextRequest.StoreCommand command, int n1, int n2) {
        int n = tk.n;
        if (n != n1 && n != n2) {
            return error("ERROR");
        }
        boolean nr = tk.noreply();
        byte[] key = tk.get(1);
        if (badKey(key)) {
            return new TextRequest.Reply(BAD_FORMAT, nr);
        }
        int flags;
        int exptime;
        int vlen;
        long cas = 0;
        try {
            flags = Numbers.strtoul(tk.get(2));
            exptime = Numbers.strtol(tk.get(3));
            vlen = Numbers.strtol(tk.get(4));
        } catch (NumberFormatException e) {
            return new TextRequest.Reply(BAD_FORMAT, nr);
        }
        if (command == TextRequest.StoreCommand.CAS) {
            try {
                cas = Numbers.strtoull(tk.get(5));
            } catch (NumberFormatException e) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
        }
        if (vlen < 0 || vlen > Integer.MAX_VALUE - 2) {
            return new TextRequest.Reply(BAD_FORMAT, nr);
        }
        if (vlen > maxItemSize) {
            framing.swallow(vlen + 2L);
            return new TextRequest.TooLarge(key, nr, command == TextRequest.StoreCommand.SET, false);
        }
        int f = flags;
        int x = exptime;
        long c = cas;
        framing.expectData(new TextFraming.DataBlock(vlen,
                data -> new TextRequest.Store(command, key, f, x, c, data, nr), new TextRequest.BadDataChunk(key, nr)));
        return null;
    }
}
