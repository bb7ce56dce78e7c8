package liftnet.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import liftnet.api.DeviceInfo;
import liftnet.api.EngineException;
import liftnet.api.EngineProvider;
import liftnet.api.Engines;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.KernelBuildException;
import liftnet.gpu.KernelSource;
import org.junit.jupiter.api.Test;

/** The OpenCL runtime: device listing, program builds (warnings as errors), build logs, error names. */
class OclProgramTest {

    @Test
    void programBuildsWithWarningsAsErrorsAndHasEveryKernel() {
        int index = OclTesting.device();
        try (OclDevice dev = new OclDevice(index, KernelSource.openclProgram(), "-Werror")) {
            for (String k : GpuEngine.KERNELS) {
                assertEquals(k, dev.kernel(k).name());
            }
        }
    }

    /**
     * A broken program throws {@link KernelBuildException} with the build log. The OpenCL compiler (PoCL's clang)
     * writes its diagnostics straight to the process's stderr, so the build runs in a child JVM whose output is
     * captured: {@link BrokenBuild} prints what the exception carried.
     */
    @Test
    void aBrokenProgramThrowsWithTheBuildLog() throws Exception {
        int index = OclTesting.device();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), BrokenBuild.class.getName(),
                Integer.toString(index)).start();
        p.getOutputStream().close();
        var stderr = new java.util.concurrent.CompletableFuture<String>();
        Thread drain = new Thread(() -> {
            try {
                stderr.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                stderr.completeExceptionally(e);
            }
        });
        drain.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child finishes");
        String err = stderr.get(10, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), out + err);
        String[] parts = out.split("\n---build log---\n", 2);
        assertEquals(2, parts.length, out);
        assertTrue(parts[0].startsWith("KernelBuildException: ") && parts[0].contains("CL_BUILD_PROGRAM_FAILURE (-11)"), parts[0]);
        assertTrue(parts[1].toLowerCase().contains("error"), parts[1]);
    }

    /** Child of {@link #aBrokenProgramThrowsWithTheBuildLog}: builds a broken program on device {@code args[0]}. */
    static final class BrokenBuild {
        public static void main(String[] args) {
            KernelSource broken = KernelSource.openclProgram().define("TS", "(");
            try {
                new OclDevice(Integer.parseInt(args[0]), broken, "").close();
                System.out.println("built: the broken program compiled");
                System.exit(1);
            } catch (KernelBuildException e) {
                System.out.print("KernelBuildException: " + e.getMessage() + "\n---build log---\n" + e.buildLog());
                System.out.flush();
            }
        }
    }

    @Test
    void providerListsDevicesOrSaysWhyNot() {
        EngineProvider p = new OclEngineProvider();
        assertEquals("opencl", p.id());
        List<DeviceInfo> devices = p.devices();
        if (devices.isEmpty()) {
            assertTrue(p.probeProblem() != null && !p.probeProblem().isBlank());
        } else {
            assertEquals(null, p.probeProblem());
            for (int i = 0; i < devices.size(); i++) {
                assertEquals("opencl", devices.get(i).backend());
                assertEquals(i, devices.get(i).index());
            }
        }
    }

    @Test
    void poclCpuDeviceIsListedAsNotAGpu() {
        OclTesting.device();
        boolean pocl = false;
        for (DeviceInfo d : new OclEngineProvider().devices()) {
            if (d.platform().contains("Portable Computing Language") || d.platform().contains("PoCL")) {
                pocl = true;
                assertFalse(d.gpu(), d + " is a CPU device");
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(pocl, "PoCL is not installed");
    }

    @Test
    void backendsAreFoundByServiceLoaderInPriorityOrder() {
        List<String> ids = Engines.providers().stream().map(EngineProvider::id).toList();
        assertTrue(ids.contains("opencl") && ids.contains("cuda") && ids.contains("cpu"), ids.toString());
        assertTrue(ids.indexOf("cuda") < ids.indexOf("opencl"), "cuda before opencl: " + ids);
        assertTrue(ids.indexOf("opencl") < ids.indexOf("cpu"), "opencl before cpu: " + ids);
    }

    @Test
    void withoutTheLoaderTheListIsEmptyAndSaysWhy() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.lwjgl.opencl.libname=/nonexistent/libOpenCL.so.1", OclRuntime.class.getName())
                .redirectErrorStream(true).start();
        // JDK 24+ warns about native access on stderr; those JVM lines are not the probe's output.
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(line -> !line.isBlank() && !line.startsWith("WARNING:")).collect(Collectors.joining("\n"));
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe finishes");
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.startsWith("no OpenCL device: OpenCL unavailable: cannot load /nonexistent/libOpenCL.so.1"), out);
        assertEquals(1, out.lines().count(), "one line, no loader advice: " + out);
    }

    @Test
    void errorsNameTheCodeAndTheCall() {
        EngineException e = assertThrows(EngineException.class, () -> OclCheck.check(-5, "clEnqueueNDRangeKernel(fused_solve)"));
        assertEquals("OpenCL: clEnqueueNDRangeKernel(fused_solve) failed: CL_OUT_OF_RESOURCES (-5)", e.getMessage());
        assertEquals("unknown OpenCL error (-12345)", OclCheck.describe(-12345));
    }

    @Test
    void batchesFollowTheOrderEvenWhenItChangesInPlace() {
        int index = OclTesting.device();
        var config = new liftnet.api.NetConfig(liftnet.api.NetSpec.parse("3-2-2"), liftnet.api.Units.RELU, 0.5);
        var data = OclTesting.randomData(7, 3, 2, 5);
        int[] order = {6, 5, 4, 3, 2, 1, 0};
        try (OclEngine e = new OclEngine(config, index)) {
            var d = e.upload(data);
            for (int round = 0; round < 3; round++) {
                for (int from = 0; from < order.length; from += 3) {
                    int size = Math.min(3, order.length - from);
                    e.selectBatch(d, order, from, size);
                    e.forward();
                    float[] x = e.activations(liftnet.api.Phase.FORWARD, 0);
                    for (int r = 0; r < size; r++) {
                        for (int i = 0; i < 3; i++) {
                            assertEquals(data.inputs()[order[from + r] * 3 + i], x[r * 3 + i], "round " + round + " row " + (from + r));
                        }
                    }
                }
                // reshuffle in place, as a caller reusing its array would
                int t = order[round];
                order[round] = order[6 - round];
                order[6 - round] = t;
            }
        }
    }

    @Test
    void gaussSeidelIsRefusedWithAHint() {
        int index = OclTesting.device();
        var config = new liftnet.api.NetConfig(liftnet.api.NetSpec.parse("4-3-2"), liftnet.api.Units.RELU, 0.5);
        try (OclEngine e = new OclEngine(config, index)) {
            e.setParameters(liftnet.api.Parameters.initial(config.net(), 1));
            var d = e.upload(new liftnet.data.Dataset("t", 1, 4, 2, new float[4], new int[1]));
            e.selectBatch(d, new int[] {0}, 0, 1);
            e.forward();
            EngineException ex = assertThrows(EngineException.class,
                    () -> e.inferFree(liftnet.api.SolverConfig.fixed(liftnet.api.Solver.GAUSS_SEIDEL, 3)));
            assertEquals("the opencl engine does not support --solver gauss-seidel; use --device cpu", ex.getMessage());
        }
    }
}
