package dev.hearth.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MainPropertiesTest {
    private String before;

    @BeforeEach
    void save() {
        before = System.getProperty(Main.PAGE_LOCK_TRACKER);
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(Main.PAGE_LOCK_TRACKER);
        } else {
            System.setProperty(Main.PAGE_LOCK_TRACKER, before);
        }
    }

    @Test
    void ignitesPageLockTrackerIsOffUnlessGiven() {
        System.clearProperty(Main.PAGE_LOCK_TRACKER);
        Main.setIgniteProperties();
        assertEquals("-1", System.getProperty(Main.PAGE_LOCK_TRACKER));
    }

    @Test
    void anOperatorsPageLockTrackerSettingIsKept() {
        System.setProperty(Main.PAGE_LOCK_TRACKER, "2");
        Main.setIgniteProperties();
        assertEquals("2", System.getProperty(Main.PAGE_LOCK_TRACKER));
    }
}
