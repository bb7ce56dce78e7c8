package liftnet.gpucheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** {@link Budget}: the limits steps get, on a clock the test moves. */
class BudgetTest {

    private long now = 7_000_000_000L;

    private Budget budget(long total, long nominal) {
        return new Budget(total, nominal, () -> now);
    }

    private void advance(long seconds) {
        now += seconds * 1_000_000_000L;
    }

    @Test
    void aStepGetsWhatItWantsWhileTheBudgetLastsThenWhatIsLeftLessTheReserve() {
        Budget b = budget(300, 300);
        assertEquals(OptionalLong.of(150), b.limit(150, 30));
        advance(200);
        assertEquals(100, b.left());
        assertEquals(OptionalLong.of(100 - Budget.RESERVE_S), b.limit(150, 30), "capped by what is left, less the reserve");
    }

    @Test
    void aStepThatWouldNotGetItsMinimumIsNotRun() {
        Budget b = budget(300, 300);
        advance(300 - Budget.RESERVE_S - 29);
        assertTrue(b.limit(150, 30).isEmpty(), "29 s left for a step that needs 30");
        assertEquals(OptionalLong.of(29), b.limit(150, 29));
        assertTrue(b.notRunReason(30).contains("29 s left") && b.notRunReason(30).contains("at least 30 s"), b.notRunReason(30));
        advance(100);
        assertTrue(b.limit(1, 1).isEmpty(), "a spent budget runs nothing");
        assertTrue(b.notRunReason(1).contains(" 0 s left"), "never a negative time: " + b.notRunReason(1));
    }

    @Test
    void aLargerBudgetLengthensEveryStepInProportionASmallerOneDoesNotShortenThem() {
        assertEquals(OptionalLong.of(150 * 1100 / 300), budget(1100, 300).limit(150, 30), "a slower machine: 3.67 times the time");
        assertEquals(OptionalLong.of(100), budget(200, 300).limit(100, 30), "a smaller budget keeps the wanted time...");
        assertEquals(OptionalLong.of(200 - Budget.RESERVE_S), budget(200, 300).limit(250, 30), "...up to what is left");
    }

    @Test
    void elapsedCountsWholeSecondsFromConstruction() {
        Budget b = budget(300, 300);
        now += 2_999_999_999L;
        assertEquals(2, b.elapsed());
        assertEquals(298, b.left());
    }

    @Test
    void aNegativeBudgetOrNonPositiveNominalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> budget(-1, 300));
        assertThrows(IllegalArgumentException.class, () -> budget(300, 0));
    }
}
