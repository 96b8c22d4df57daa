package dev.hearth.node.memcached;

import dev.hearth.testing.RealMemcached;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One real memcached and one Hearth node, side by side, for the differential tests. */
abstract class DifferentialFixture {
    static RealMemcached memcached;
    static TestNodes hearth;

    @BeforeAll
    static void start() throws Exception {
        memcached = RealMemcached.start();
        hearth = TestNodes.start(1);
    }

    @AfterAll
    static void stop() {
        if (hearth != null) {
            hearth.close();
        }
        if (memcached != null) {
            memcached.close();
        }
    }
}
