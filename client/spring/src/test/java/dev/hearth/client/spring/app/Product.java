package dev.hearth.client.spring.app;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** What the "database" returns: a record (a final class), with java.time and java.math values inside. */
public record Product(String id, String name, BigDecimal price, Instant updatedAt, List<String> tags) {
}
