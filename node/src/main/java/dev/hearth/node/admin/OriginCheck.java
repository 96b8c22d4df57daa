package dev.hearth.node.admin;

import io.netty.util.NetUtil;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Refuses requests a web browser sends on behalf of another site (CSRF) or after DNS rebinding. Browsers put an
 * {@code Origin} header on every POST and on every cross-origin request; tools (curl, hearthctl, the nodes) send
 * none. So a request with an {@code Origin} header is allowed only when that origin is the admin port itself:
 * {@code http(s)://} plus exactly the request's {@code Host}, and that host is an IP address literal,
 * {@code localhost} or the node's bind address. A page of another site has another origin (CSRF); a page whose DNS
 * name was rebound to this node's address has a {@code Host} that is a name the node does not own (rebinding).
 * A request without {@code Origin} is not checked here: it did not come from a browser page (browsers send
 * {@code Origin} on POST; a same-origin GET without it can only be a rebinding attack's read, which the token
 * stops).
 */
final class OriginCheck {
    private final String bindHost;

    /** @param bindHost the address the admin port is bound to (as configured: a name or a literal) */
    OriginCheck(String bindHost) {
        this.bindHost = bindHost == null ? "" : bindHost.toLowerCase(Locale.ROOT);
    }

    /**
     * @param origin the request's {@code Origin} header, or null
     * @param host the request's {@code Host} header, or null
     * @return null when allowed, else why not (for the 403 answer)
     */
    String refusal(String origin, String host) {
        if (origin == null) {
            return null;
        }
        if (host == null || host.isBlank()) {
            return "a request with an Origin header needs a Host header";
        }
        URI uri;
        try {
            uri = new URI(origin.trim());
        } catch (URISyntaxException e) {
            return "Origin '" + printable(origin) + "' is not this node's admin origin";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String authority = uri.getRawAuthority();
        boolean sameAuthority = authority != null && authority.equalsIgnoreCase(host.trim())
                && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null;
        if (!(scheme.equals("http") || scheme.equals("https")) || !sameAuthority) {
            return "Origin '" + printable(origin) + "' is not this node's admin origin (browser requests from other "
                    + "sites are refused)";
        }
        String h = hostOf(host.trim());
        if (!(NetUtil.isValidIpV4Address(h) || NetUtil.isValidIpV6Address(h) || h.equals("localhost")
                || h.equals(bindHost))) {
            return "Host '" + printable(host) + "' is not an address of this node (browser requests must use an IP "
                    + "address, localhost or the bind address)";
        }
        return null;
    }

    /** The host part of a Host header: without the port, IPv6 brackets removed, lower case. */
    private static String hostOf(String hostHeader) {
        String h = hostHeader;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return (end < 0 ? h.substring(1) : h.substring(1, end)).toLowerCase(Locale.ROOT);
        }
        int colon = h.lastIndexOf(':');
        return (colon < 0 ? h : h.substring(0, colon)).toLowerCase(Locale.ROOT);
    }

    /** Header values go into answers and logs: no control characters, bounded. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
