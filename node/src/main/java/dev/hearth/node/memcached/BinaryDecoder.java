package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Decodes binary-protocol frames into {@link BinaryRequest}s. Lengths are checked from the header before any body
 * is buffered, as memcached's dispatch_bin_command does: inconsistent lengths get "Unknown command" and a close,
 * a wrong shape for the opcode (or a key over 250 bytes) "Invalid arguments" and a close, a value over the item
 * size limit "Too large." with the value swallowed (its key is read first: a refused SET removes the key's old
 * value, as in memcached), and a wrong magic byte closes at once. So a frame that lies about its lengths never
 * makes the connection buffer more than the item size limit.
 */
final class BinaryDecoder extends RequestDecoder {
    static final int HEADER = 24;
    private static final int MAX_SASL_BODY = 4096;

    private enum State {
        HEADER, BODY, TOO_LARGE_KEY
    }

    private final int maxItemSize;
    private State state = State.HEADER;
    private int opcode;
    private int keylen;
    private int extlen;
    private int bodylen;
    private int opaque;
    private long cas;
    /** The value of a refused too-large SET, skipped once its key is read. */
    private long tooLargeValue;

    BinaryDecoder(int maxItemSize) {
        this(maxItemSize, IncompleteRequests.unbounded());
    }

    /** @param incomplete this connection's bounds on an incomplete request */
    BinaryDecoder(int maxItemSize, IncompleteRequests incomplete) {
        super(incomplete);
        this.maxItemSize = maxItemSize;
    }

    @Override
    boolean decodeStep(ByteBuf in, List<Object> out) {
        switch (state) {
            case TOO_LARGE_KEY: {
                if (in.readableBytes() < extlen + keylen) {
                    return false;
                }
                in.skipBytes(extlen);
                byte[] key = new byte[keylen];
                in.readBytes(key);
                out.add(new BinaryRequest(opcode, BinaryRequest.EMPTY, key, BinaryRequest.EMPTY, opaque, cas,
                        Binary.E2BIG, false));
                state = State.HEADER;
                swallow(tooLargeValue);
                return true;
            }
            case BODY: {
                // A body of 0 bytes is whole without a byte more to read.
                if (in.readableBytes() < bodylen) {
                    return false;
                }
                byte[] extras = new byte[extlen];
                byte[] key = new byte[keylen];
                byte[] value = new byte[bodylen - extlen - keylen];
                in.readBytes(extras);
                in.readBytes(key);
                in.readBytes(value);
                state = State.HEADER;
                out.add(new BinaryRequest(opcode, extras, key, value, opaque, cas, 0, false));
                return true;
            }
            default: {
                if (in.readableBytes() < HEADER) {
                    return false;
                }
                int at = in.readerIndex();
                if ((in.getByte(at) & 0xff) != 0x80) {
                    out.add(BinaryRequest.reject(0, 0, -1, true));
                    closeInput(in);
                    return false;
                }
                opcode = in.getUnsignedByte(at + 1);
                keylen = in.getUnsignedShort(at + 2);
                extlen = in.getUnsignedByte(at + 4);
                long body = in.getUnsignedInt(at + 8);
                opaque = in.getInt(at + 12);
                cas = in.getLong(at + 16);
                in.skipBytes(HEADER);
                if (!check(body, out, in)) {
                    return true;
                }
                bodylen = (int) body;
                state = State.BODY;
                return true;
            }
        }
    }

    private void reject(List<Object> out, ByteBuf in, int status, boolean close, long skip) {
        out.add(BinaryRequest.reject(opcode, opaque, status, close));
        state = State.HEADER;
        if (close) {
            closeInput(in);
        } else {
            swallow(skip);
        }
    }

    /** Checks the header; on a problem answers it (via {@link #reject}) and returns false. */
    private boolean check(long body, List<Object> out, ByteBuf in) {
        if (keylen > body || keylen + extlen > body) {
            reject(out, in, Binary.UNKNOWN_COMMAND, true, 0);
            return false;
        }
        if (keylen > KEY_MAX_LENGTH) {
            reject(out, in, Binary.EINVAL, true, 0);
            return false;
        }
        long vlen = body - keylen - extlen;
        boolean ok;
        switch (Binary.loud(opcode)) {
            case Binary.VERSION, Binary.NOOP, Binary.QUIT, Binary.SASL_LIST_MECHS:
                ok = extlen == 0 && keylen == 0 && body == 0;
                break;
            case Binary.FLUSH:
                ok = keylen == 0 && body == extlen && (extlen == 0 || extlen == 4);
                break;
            case Binary.SET, Binary.ADD, Binary.REPLACE:
                ok = extlen == 8 && keylen != 0;
                break;
            case Binary.GET, Binary.GETK:
                ok = extlen == 0 && body == keylen && keylen > 0;
                break;
            case Binary.DELETE:
                ok = keylen > 0 && extlen == 0 && body == keylen;
                break;
            case Binary.INCREMENT, Binary.DECREMENT:
                ok = keylen > 0 && extlen == 20 && body == keylen + extlen;
                break;
            case Binary.APPEND, Binary.PREPEND:
                ok = keylen > 0 && extlen == 0;
                break;
            case Binary.STAT:
                ok = extlen == 0 && body == keylen;
                break;
            case Binary.SASL_AUTH, Binary.SASL_STEP:
                ok = extlen == 0 && keylen != 0;
                if (ok && body > MAX_SASL_BODY) {
                    reject(out, in, Binary.EINVAL, false, body);
                    return false;
                }
                break;
            case Binary.TOUCH, Binary.GAT, Binary.GATK:
                ok = extlen == 4 && keylen != 0 && vlen == 0;
                break;
            default:
                // Unknown opcode: answer it and skip its body.
                reject(out, in, Binary.UNKNOWN_COMMAND, false, body);
                return false;
        }
        if (!ok) {
            reject(out, in, Binary.EINVAL, true, 0);
            return false;
        }
        if (vlen > maxItemSize) {
            // Only storage commands can get here (the others allow no value); the key and extras are at most
            // 250 + 255 bytes, so reading them first keeps the bound.
            tooLargeValue = vlen;
            state = State.TOO_LARGE_KEY;
            return false;
        }
        return true;
    }
}
