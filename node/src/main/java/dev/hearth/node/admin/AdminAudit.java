package dev.hearth.node.admin;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The audit log of the admin port, logger {@value #LOGGER} (always at INFO, whatever {@code logging.level}): one line
 * per admin action (every request that is not a GET, whatever its outcome) and per refused request (401, 403: a
 * missing or wrong token, a foreign Origin), saying what was asked, by whom and what came of it. Reads that pass
 * are not logged: peers ask {@code /membership} every second.
 *
 * <p>Line: {@code admin ROUTE METHOD PATH params={k=[v]} remote=ADDR who=WHO status=CODE}. {@code who} is
 * {@code token:<fingerprint>} of the token presented ({@link AdminToken#fingerprint}), or {@code anonymous}.
 * Values are stripped of control characters (they come from the request) and never include a token.
 */
final class AdminAudit {
    static final String LOGGER = "hearth.audit";
    private static final Logger AUDIT = LogManager.getLogger(LOGGER);

    private AdminAudit() {
    }

    /** Whether a request with this outcome is audited (see the class comment). */
    static boolean audited(String method, int status) {
        return !method.equals("GET") || status == 401 || status == 403;
    }

    static void record(String route, String method, String path, Map<String, List<String>> params, String remote,
            String who, int status) {
        if (!audited(method, status)) {
            return;
        }
        Map<String, List<String>> shown = new TreeMap<>();
        params.forEach((k, v) -> shown.put(OriginCheck.printable(k), v.stream().map(OriginCheck::printable).toList()));
        AUDIT.info("admin {} {} {} params={} remote={} who={} status={}", route, method, OriginCheck.printable(path),
                shown, remote, who, status);
    }
}
