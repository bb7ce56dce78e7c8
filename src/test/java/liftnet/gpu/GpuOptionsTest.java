package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.api.EngineSwitches;
import org.junit.jupiter.api.Test;

/** {@link GpuOptions}: the defaults, and the command line's switches ({@link EngineSwitches}) turned into them. */
class GpuOptionsTest {

    @Test
    void theDefaultSwitchesGiveTheDefaults() {
        GpuOptions d = GpuOptions.defaults();
        assertEquals(new GpuOptions(GpuEngine.Path.AUTO, GpuEngine.StepMode.FUSED, LayeredSolver.Gemm.AUTO, true, ConvForm.DIRECT), d);
        assertEquals(d.withGraphs(!SyncLaunches.enabled()), GpuOptions.of(EngineSwitches.defaults()));
    }

    @Test
    void everySwitchValueMapsToTheEngineConstantOfTheSameName() {
        for (EngineSwitches.Step s : EngineSwitches.Step.values()) {
            for (EngineSwitches.Gemm g : EngineSwitches.Gemm.values()) {
                GpuOptions o = GpuOptions.of(new EngineSwitches(s, g, false));
                assertEquals(s.name(), o.step().name());
                assertEquals(g.name(), o.gemm().name());
                assertFalse(o.graphs());
                assertEquals(GpuEngine.Path.AUTO, o.path());
            }
        }
        for (EngineSwitches.Conv c : EngineSwitches.Conv.values()) {
            assertEquals(c.name(), GpuOptions.of(EngineSwitches.defaults().withConv(c)).conv().name());
        }
        assertTrue(GpuOptions.defaults().earlyExit());
        assertFalse(GpuOptions.of(EngineSwitches.defaults().withEarlyExit(false)).earlyExit());
        assertEquals(GpuEngine.StepMode.values().length, EngineSwitches.Step.values().length);
        assertEquals(ConvForm.values().length, EngineSwitches.Conv.values().length);
        assertEquals(LayeredSolver.Gemm.values().length, EngineSwitches.Gemm.values().length);
    }

    @Test
    void aMissingSwitchIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GpuOptions(null, GpuEngine.StepMode.FUSED, LayeredSolver.Gemm.AUTO, true, ConvForm.GEMM));
        assertThrows(IllegalArgumentException.class, () -> GpuOptions.defaults().withConv(null));
        assertThrows(NullPointerException.class, () -> new EngineSwitches(null, EngineSwitches.Gemm.AUTO, true));
        assertTrue(GpuOptions.defaults().withPath(GpuEngine.Path.LAYERED).graphs());
    }
}
