package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * What the text and binary decoders share: the bounds on an incomplete request ({@link IncompleteRequests}), the
 * bytes a refused request still sends that must be skipped without being kept, and the end of decoding once a
 * request closes the connection. A subclass decodes one step of its own framing at a time.
 */
abstract class RequestDecoder extends ByteToMessageDecoder {
    /** memcached's longest key, in either protocol. */
    static final int KEY_MAX_LENGTH = 250;
    private final IncompleteRequests incomplete;
    /** Whether this read made a whole request: an incomplete one is timed from the last read that made none. */
    private boolean progressed;
    private long toSwallow;
    private boolean closed;

    /** @param incomplete this connection's bounds on an incomplete request */
    RequestDecoder(IncompleteRequests incomplete) {
        this.incomplete = incomplete;
    }

    /**
     * Decodes at most one step (a line, a header, a body...) from {@code in} into {@code out}.
     *
     * @return false when the step needs bytes that have not arrived
     */
    abstract boolean decodeStep(ByteBuf in, List<Object> out);

    /** Skips the next {@code bytes} bytes (a refused value) before decoding goes on; they are counted, not kept. */
    public final void swallow(long bytes) {
        toSwallow = bytes;
    }

    /** Decodes nothing more: the request just given out closes the connection once earlier ones are answered. */
    final void closeInput(ByteBuf in) {
        closed = true;
        in.skipBytes(in.readableBytes());
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int before = out.size();
        while (true) {
            if (closed) {
                in.skipBytes(in.readableBytes());
                break;
            }
            if (toSwallow > 0) {
                int n = (int) Math.min(in.readableBytes(), toSwallow);
                in.skipBytes(n);
                toSwallow -= n;
                if (toSwallow > 0) {
                    break;
                }
            }
            if (!decodeStep(in, out)) {
                break;
            }
        }
        progressed |= out.size() > before;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        incomplete.afterRead(ctx, actualReadableBytes(), internalBuffer().capacity(), progressed);
        progressed = false;
        super.channelReadComplete(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        incomplete.cancel();
    }
}
