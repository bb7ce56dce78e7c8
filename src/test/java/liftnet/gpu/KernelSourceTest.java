package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liftnet.api.EngineException;
import liftnet.api.StopRule;
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

    /**
     * Each {@link Kernel}'s parameter list, as {@link KernelArgs} checks it, is the one its file declares: buffers
     * ({@code __global T*}), ints and floats in order, and dynamic local memory where {@code DYN_LOCAL_PARAM} is.
     */
    @Test
    void kernelSignaturesMatchTheSources() {
        Pattern decl = Pattern.compile("__kernel void (\\w+)\\((.*?)\\)\\s*\\{", Pattern.DOTALL);
        java.util.Map<String, String> declared = new java.util.HashMap<>();
        for (String f : KernelSource.MODULES) {
            Matcher m = decl.matcher(KernelSource.load(f));
            while (m.find()) {
                String params = m.group(2);
                boolean dyn = params.contains("DYN_LOCAL_PARAM");
                StringBuilder sig = new StringBuilder();
                for (String p : params.replaceAll("DYN_LOCAL_PARAM\\(\\w+\\)", "").split(",")) {
                    String t = p.strip();
                    if (!t.isEmpty()) {
                        sig.append(t.contains("*") ? 'b' : t.contains("int") ? 'i' : t.contains("float") ? 'f' : '?');
                    }
                }
                declared.put(m.group(1), f + " " + sig + (dyn ? " +local" : ""));
            }
        }
        for (Kernel k : Kernel.values()) {
            assertEquals(declared.get(k.id()), k.file() + " " + k.signature() + (k.dynamicLocal() ? " +local" : ""), k.id());
        }
    }

    @Test
    void kernelArgumentsAreCheckedAgainstTheSignature() {
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> Kernel.COL_NORMS.args().i(1));
        assertTrue(type.getMessage().contains("col_norms argument 0 is a buffer; found an int"), type.getMessage());
        KernelArgs partial = Kernel.SOLVER_STATS.args().i(3);
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, partial::complete);
        assertTrue(count.getMessage().contains("solver_stats takes 5 arguments; 1 given"), count.getMessage());
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class, () -> Kernel.COL_NORMS.args().b(null));
        assertTrue(extra.getMessage().contains("argument 0 is null"), extra.getMessage());
    }

    @Test
    void openclOnlyPragmasAreGuarded() {
        for (String f : allFiles()) {
            assertEquals(List.of(), unguardedPragmas(KernelSource.load(f)), f + ": lines of OpenCL pragmas outside #ifndef CUDA");
        }
        // the check itself: it finds a pragma outside the guard, and after one, and accepts one inside
        assertEquals(List.of(1), unguardedPragmas("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"));
        assertEquals(List.of(4), unguardedPragmas("#ifndef CUDA\n#pragma OPENCL FP_CONTRACT OFF\n#endif\n#pragma OPENCL FP_CONTRACT ON\n"));
        assertEquals(List.of(3), unguardedPragmas("#ifndef CUDA\n#else\n#pragma OPENCL FP_CONTRACT OFF\n#endif\n"));
        assertEquals(List.of(), unguardedPragmas("#ifdef CUDA\n#else\n#pragma OPENCL FP_CONTRACT OFF\n#endif\n"));
        assertEquals(List.of(), unguardedPragmas("#ifndef CUDA\n#if X\n#endif\n#pragma OPENCL FP_CONTRACT OFF\n#endif\n"));
    }

    /** Every kernel file: the modules, common.cl and the CUDA header. */
    private static List<String> allFiles() {
        List<String> files = new java.util.ArrayList<>(KernelSource.MODULES);
        files.add(KernelSource.COMMON);
        files.add(KernelSource.CUDA_HEADER);
        return files;
    }

    /**
     * The 1-based numbers of the lines holding {@code #pragma OPENCL} that are not inside an {@code #ifndef CUDA}
     * block (tracking nested {@code #if}s; an {@code #else} of {@code #ifndef CUDA} is outside the guard).
     */
    static List<Integer> unguardedPragmas(String text) {
        List<Integer> bad = new java.util.ArrayList<>();
        // per open #if: +1 its branch excludes CUDA, -1 it is CUDA only, 0 it does not depend on CUDA
        java.util.Deque<Integer> blocks = new java.util.ArrayDeque<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip().replaceAll("^#\\s+", "#");
            if (line.startsWith("#if")) {
                blocks.push(line.matches("#ifndef\\s+CUDA\\b.*") ? 1 : line.matches("#ifdef\\s+CUDA\\b.*") ? -1 : 0);
            } else if ((line.startsWith("#else") || line.startsWith("#elif")) && !blocks.isEmpty()) {
                blocks.push(-blocks.pop());
            } else if (line.startsWith("#endif") && !blocks.isEmpty()) {
                blocks.pop();
            } else if (line.startsWith("#pragma OPENCL") && !blocks.contains(1)) {
                bad.add(i + 1);
            }
        }
        return bad;
    }

    /** The kernels take the stopping rule as a {@link StopRule} ordinal: common.cl's STOP_* follow the enum. */
    @Test
    void stopRuleOrdinalsMatchTheKernelsStopDefines() {
        Matcher m = Pattern.compile("#define STOP_(\\w+) (\\d+)").matcher(KernelSource.load(KernelSource.COMMON));
        Map<String, Integer> defines = new java.util.TreeMap<>();
        while (m.find()) {
            defines.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        Map<String, Integer> ordinals = new java.util.TreeMap<>();
        for (StopRule r : StopRule.values()) {
            ordinals.put(r.name(), r.ordinal());
        }
        assertEquals(ordinals, defines, "STOP_* defines of common.cl against liftnet.api.StopRule");
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
