package dev.hearth.wire.admin;

import java.util.List;

/**
 * {@code POST /admin/shutdown}: the node stops gracefully and exits (its supervisor restarts it).
 *
 * @param forced whether it stops although it was not safe to stop ({@code force=true})
 * @param reasons why it was not safe to stop, empty when it was
 */
public record StopReply(String node, boolean stopping, boolean forced, List<String> reasons) {
}
