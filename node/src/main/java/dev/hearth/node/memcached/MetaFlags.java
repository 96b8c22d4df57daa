package dev.hearth.node.memcached;

import java.util.List;

/**
 * The flags of one meta command as memcached's {@code _meta_flag_preparse} reads them: the tokens in the order
 * given (return flags are echoed in that order) and the values the command uses. Times are raw memcached exptimes.
 */
record MetaFlags(
        List<byte[]> tokens,
        boolean base64,
        boolean noReply,
        boolean value,
        boolean noUpdate,
        boolean vivify, int vivifyTtl,
        boolean touch, int ttl,
        boolean recache, int recacheTtl,
        boolean invalidate,
        boolean hasCas, long cas,
        boolean hasNewCas, long newCas,
        int clientFlags,
        char mode,
        long delta,
        long initial) {

    boolean has(char flag) {
        for (byte[] t : tokens) {
            if (t[0] == flag) {
                return true;
            }
        }
        return false;
    }
}
