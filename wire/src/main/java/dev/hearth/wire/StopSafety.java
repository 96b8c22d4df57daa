package dev.hearth.wire;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Whether stopping a node now would lose data: the {@code safety} of its {@code /status}, read by hearthctl with this
 * same type (see {@link ZoneStatus}).
 *
 * @param safeToStop every partition this node holds has a copy on another node, nothing is rebalancing, and every
 *     zone keeps at least one backup
 * @param reasons why not (empty when safe)
 */
public record StopSafety(@JsonProperty(required = true) boolean safeToStop, List<String> reasons) {
}
