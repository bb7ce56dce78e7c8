package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.api.EngineException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link GpuOptions}: the defaults, and the bridge from the scripts' system properties, read once. */
class GpuOptionsTest {

    @AfterEach
    void clear() {
        System.clearProperty(GpuOptions.STEP_PROPERTY);
        System.clearProperty(GpuOptions.GEMM_PROPERTY);
        System.clearProperty(GpuOptions.GRAPH_PROPERTY);
    }

    @Test
    void withoutPropertiesTheDefaults() {
        GpuOptions d = GpuOptions.defaults();
        assertEquals(new GpuOptions(GpuEngine.Path.AUTO, GpuEngine.StepMode.FUSED, LayeredSolver.Gemm.AUTO, true), d);
        assertEquals(d.withGraphs(!SyncLaunches.enabled()), GpuOptions.fromSystemProperties());
    }

    @Test
    void propertiesChooseTheSwitchesInAnyCase() {
        System.setProperty(GpuOptions.STEP_PROPERTY, "Phased");
        System.setProperty(GpuOptions.GEMM_PROPERTY, " blocked ");
        System.setProperty(GpuOptions.GRAPH_PROPERTY, "OFF");
        GpuOptions o = GpuOptions.fromSystemProperties();
        assertEquals(GpuEngine.StepMode.PHASED, o.step());
        assertEquals(LayeredSolver.Gemm.BLOCKED, o.gemm());
        assertFalse(o.graphs());
        assertEquals(GpuEngine.Path.AUTO, o.path());
    }

    @Test
    void aValueThatNamesNoSwitchIsRefusedWithTheChoices() {
        System.setProperty(GpuOptions.GEMM_PROPERTY, "fast");
        EngineException e = assertThrows(EngineException.class, GpuOptions::fromSystemProperties);
        assertEquals("-Dliftnet.gpu.gemm=fast is not one of auto, tiled, blocked; fix the property", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GpuOptions(null, GpuEngine.StepMode.FUSED, LayeredSolver.Gemm.AUTO, true));
        assertTrue(GpuOptions.defaults().withPath(GpuEngine.Path.LAYERED).graphs());
    }
}
