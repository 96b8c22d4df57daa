package dev.hearth.node.memcached;

import io.netty.channel.CombinedChannelDuplexHandler;

/**
 * The text protocol's decoder and encoder, paired: what {@link ProtocolDetector} installs before a
 * {@link TextHandler}.
 */
final class TextCodec extends CombinedChannelDuplexHandler<TextDecoder, TextEncoder> {
    /** @param incomplete this connection's bounds on an incomplete request */
    TextCodec(int maxItemSize, IncompleteRequests incomplete) {
        super(new TextDecoder(maxItemSize, incomplete), TextEncoder.INSTANCE);
    }
}
