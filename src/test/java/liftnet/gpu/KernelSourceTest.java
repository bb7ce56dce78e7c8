package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liftnet.api.EngineException;
import org.junit.jupiter.api.Test;

/** Assembly order and contents of the kernel programs; needs no device. */
class KernelSourceTest {

    @Test
    void openclProgramIsDefinesThenCommonThenEveryModule() {
        String text = KernelSource.openclProgram().define("EXTRA", "3").text();
        int ts = text.indexOf("#define TS " + KernelSource.TILE + "\n");
        int extra = text.indexOf("#define EXTRA 3\n");
        int common = text.indexOf("// ---- common.cl ----");
        assertTrue(ts >= 0 && extra > ts && common > extra, "defines come first, in order");
        assertFalse(text.contains("opencl_to_cuda.h ----"), "the CUDA header is not part of an OpenCL program");
        assertFalse(text.contains("#define CUDA"), "CUDA is not defined for OpenCL");
        int previous = common;
        for (String file : KernelSource.MODULES) {
            int at = text.indexOf("// ---- " + file + " ----");
            assertTrue(at > previous, file + " follows the files before it");
            previous = at;
        }
    }

    @Test
    void cudaModuleIsDefinesThenHeaderThenCommonThenFile() {
        String text = KernelSource.cudaModule("fused.cl").text();
        int ts = text.indexOf("#define TS ");
        int cuda = text.indexOf("#define CUDA 1\n");
        int header = text.indexOf("// ---- opencl_to_cuda.h ----");
        int common = text.indexOf("// ---- common.cl ----");
        int file = text.indexOf("// ---- fused.cl ----");
        assertTrue(0 <= ts && ts < cuda && cuda < header && header < common && common < file,
                "order: defines, CUDA, header, common.cl, the file");
        assertFalse(text.contains("// ---- gemm.cl ----"), "a CUDA module holds one kernel file");
    }

    @Test
    void tileDefaultInCommonMatchesTheJavaConstant() {
        Matcher m = Pattern.compile("#define TS (\\d+)").matcher(KernelSource.load(KernelSource.COMMON));
        assertTrue(m.find(), "common.cl defines a default TS");
        assertEquals(KernelSource.TILE, Integer.parseInt(m.group(1)));
    }

    @Test
    void everyKernelTheEngineLaunchesIsDefinedOnce() {
        StringBuilder all = new StringBuilder();
        for (String f : KernelSource.MODULES) {
            all.append(KernelSource.load(f));
        }
        for (String k : GpuEngine.KERNELS) {
            Matcher m = Pattern.compile("__kernel void " + k + "\\(").matcher(all);
            assertTrue(m.find(), "kernel " + k + " is defined");
            assertFalse(m.find(), "kernel " + k + " is defined once");
        }
    }

    @Test
    void openclOnlyPragmasAreGuarded() {
        for (String f : KernelSource.MODULES) {
            String text = KernelSource.load(f);
            assertFalse(text.contains("#pragma OPENCL") && !text.contains("#ifndef CUDA"), f + ": OpenCL pragmas sit in #ifndef CUDA");
        }
    }

    @Test
    void badInputsAreRejectedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> KernelSource.of(KernelSource.Target.OPENCL).define("1X", "2"));
        assertThrows(IllegalArgumentException.class, () -> KernelSource.of(KernelSource.Target.OPENCL).add("common.cl"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KernelSource.load("missing.cl"));
        assertTrue(e.getMessage().contains("liftnet/kernels/missing.cl"), e.getMessage());
    }

    @Test
    void buildExceptionCarriesTheLog() {
        KernelBuildException e = new KernelBuildException("program", "CL_BUILD_PROGRAM_FAILURE (-11)", "x.cl:3: error: oops");
        assertTrue(e instanceof EngineException);
        assertTrue(e.getMessage().contains("x.cl:3: error: oops"), e.getMessage());
        assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE (-11)"), e.getMessage());
        assertEquals("x.cl:3: error: oops", e.buildLog());
    }

    @Test
    void layoutOffsetsFollowTheFlattenedParameters() {
        NetLayout lay = new NetLayout(liftnet.api.NetSpec.parse("5-4-3-2"));
        assertEquals(9, lay.rowWidth());
        assertEquals(0, lay.zOffset(1));
        assertEquals(4, lay.zOffset(2));
        assertEquals(7, lay.zOffset(3));
        assertEquals(0, lay.wOffset(0));
        assertEquals(20, lay.bOffset(0));
        assertEquals(24, lay.wOffset(1));
        assertEquals(36, lay.bOffset(1));
        assertEquals(39, lay.wOffset(2));
        assertEquals(45, lay.bOffset(2));
        assertEquals(47, lay.paramCount());
        assertEquals(0, lay.cOffset(1));
        assertEquals(4, lay.cOffset(2));
        assertEquals(7, lay.colNormCount());
        assertEquals(5 * 3 + 2, lay.shapeTable().length);
    }
}
