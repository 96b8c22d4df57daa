package dev.hearth.node.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class InputMemoryTest {
    private final InputMemory memory = new InputMemory(100);
    private final IncompleteRequests a = IncompleteRequests.unbounded();
    private final IncompleteRequests b = IncompleteRequests.unbounded();
    private final IncompleteRequests small = IncompleteRequests.unbounded();

    @Test
    void withinTheBoundNobodyGoes() {
        assertNull(memory.change(a, 60));
        assertNull(memory.change(b, 40));
        assertEquals(100, memory.held());
        assertNull(memory.change(a, 0), "shrinking never evicts");
        assertEquals(40, memory.held());
    }

    @Test
    void pastTheBoundTheLargestHolderGoesNotTheSmallGrower() {
        assertNull(memory.change(a, 60));
        assertNull(memory.change(b, 30));
        assertSame(a, memory.change(small, 20), "a small request in two reads does not pay for a large one");
        assertEquals(50, memory.held(), "a is no longer counted");
        memory.release(a);
        assertEquals(50, memory.held(), "releasing an evicted holder changes nothing");
    }

    @Test
    void theGrowerGoesWhenItHoldsTheMost() {
        assertNull(memory.change(a, 50));
        assertSame(b, memory.change(b, 60));
        assertEquals(50, memory.held());
        memory.release(b);
        memory.release(a);
        assertEquals(0, memory.held());
    }

    @Test
    void aShrinkingHolderPastTheBoundIsNotEvicted() {
        InputMemory tight = new InputMemory(10);
        assertSame(a, tight.change(a, 50), "one holder alone past the bound goes");
        assertNull(tight.change(b, 5));
        assertNull(tight.change(b, 3));
        assertEquals(3, tight.held());
    }
}
