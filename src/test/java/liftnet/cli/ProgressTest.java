package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The progress bar's speed and ETA: from the recent redraws past the warm-up, not from the epoch's start. */
class ProgressTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void theWarmUpDoesNotCount() {
        Progress.RecentRate rate = new Progress.RecentRate();
        // 5,000 samples: a slow first second (300 samples, the JIT compiling), then 3,300 samples/s
        assertTrue(rate.record(0, 5000, 0).isEmpty());
        assertTrue(rate.record(200, 5000, SECOND / 2).isEmpty(), "before 5% of the epoch");
        assertTrue(rate.record(300, 5000, SECOND).isEmpty(), "one redraw past 5% has no interval yet");
        assertEquals(Optional.empty(), rate.eta(4700));
        OptionalDouble r = rate.record(3600, 5000, 2 * SECOND);
        assertEquals(3300, r.orElseThrow(), 1e-9);
        assertEquals(Optional.of(Duration.ofMillis(424)), rate.eta(1400));
    }

    @Test
    void theWindowForgetsOldRedraws() {
        Progress.RecentRate rate = new Progress.RecentRate();
        rate.record(5_000, 100_000, SECOND);
        rate.record(10_000, 100_000, 2 * SECOND);
        assertEquals(5000, rate.record(15_000, 100_000, 3 * SECOND).orElseThrow(), 1e-9);
        // at 5 s the redraw of 1 s is older than the window; the rate runs from the redraw of 2 s
        assertEquals(2000, rate.record(16_000, 100_000, 5 * SECOND).orElseThrow(), 1e-9);
    }

    @Test
    void noSpeedWithoutATotal() {
        assertTrue(new Progress.RecentRate().record(10, 0, SECOND).isEmpty());
    }
}
