package liftnet.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assembles one kernel program from the OpenCL C files under {@code kernels/} (class-path resources
 * {@code liftnet/kernels/}). This is the only place a program's text is put together; the OpenCL engine
 * compiles its output at run time, the CUDA build ({@link PtxBuilder}) and NVRTC compile its CUDA form.
 *
 * <p>Order of the text: the defines ({@link #TILE} and any added), then, for {@link Target#CUDA},
 * {@code #define CUDA} and {@code opencl_to_cuda.h}, then {@code common.cl}, then the kernel files in the
 * order given. OpenCL builds one program from all {@link #MODULES}; CUDA builds one module per file.
 */
public final class KernelSource {

    /** What the source is compiled by. */
    public enum Target {
        OPENCL, CUDA
    }

    /** Class-path folder of the kernel files. */
    public static final String RESOURCE_DIR = "liftnet/kernels/";

    /** Header mapping the OpenCL C spelling to CUDA. */
    public static final String CUDA_HEADER = "opencl_to_cuda.h";

    /** Helpers every kernel file uses; always assembled first. */
    public static final String COMMON = "common.cl";

    /** The kernel files, each one CUDA module. */
    public static final List<String> MODULES = List.of("gemm.cl", "solver.cl", "fused.cl", "train.cl", "conv.cl", "pool.cl");

    /** Tile edge {@code TS} of the tiled matrix kernels (work-groups of {@code TS x TS}). */
    public static final int TILE = 16;

    private final Target target;
    private final Map<String, String> defines = new LinkedHashMap<>();
    private final List<String> files = new ArrayList<>();

    private KernelSource(Target target) {
        this.target = target;
        define("TS", Integer.toString(TILE));
    }

    /** A program for {@code target} with the default defines and no kernel files yet. */
    public static KernelSource of(Target target) {
        return new KernelSource(target);
    }

    /** All kernel files as one OpenCL program. */
    public static KernelSource openclProgram() {
        KernelSource s = of(Target.OPENCL);
        MODULES.forEach(s::add);
        return s;
    }

    /** One kernel file as a CUDA module (header and {@code common.cl} included). */
    public static KernelSource cudaModule(String file) {
        return of(Target.CUDA).add(file);
    }

    public Target target() {
        return target;
    }

    /** Adds or replaces {@code #define name value}; defines precede everything else. */
    public KernelSource define(String name, String value) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("not a macro name: '" + name + "'");
        }
        defines.put(name, value);
        return this;
    }

    /** Appends kernel file {@code file} (a name under {@code kernels/}). */
    public KernelSource add(String file) {
        if (file.equals(COMMON) || file.equals(CUDA_HEADER)) {
            throw new IllegalArgumentException(file + " is always included; add only kernel files");
        }
        files.add(file);
        return this;
    }

    /** The defines, in order. */
    public Map<String, String> defines() {
        return Map.copyOf(defines);
    }

    /** The kernel files, in order. */
    public List<String> files() {
        return List.copyOf(files);
    }

    /** The assembled program text. */
    public String text() {
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("// liftnet kernels, assembled by liftnet.gpu.KernelSource for ").append(target).append('\n');
        defines.forEach((k, v) -> sb.append("#define ").append(k).append(' ').append(v).append('\n'));
        if (target == Target.CUDA) {
            sb.append("#define CUDA 1\n");
            append(sb, CUDA_HEADER);
        }
        append(sb, COMMON);
        for (String f : files) {
            append(sb, f);
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, String file) {
        sb.append("// ---- ").append(file).append(" ----\n");
        sb.append("#line 1 \"").append(file).append("\"\n");
        sb.append(load(file));
        if (sb.charAt(sb.length() - 1) != '\n') {
            sb.append('\n');
        }
    }

    /** Text of kernel file {@code file} from the class path. */
    public static String load(String file) {
        String path = RESOURCE_DIR + file;
        try (InputStream in = KernelSource.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("kernel file " + path + " is not on the class path"
                        + " (the build copies kernels/ there; is this a partial build?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel file " + path, e);
        }
    }

    /** Module name of a kernel file: {@code gemm.cl -> gemm}. */
    public static String moduleName(String file) {
        int dot = file.lastIndexOf('.');
        return dot < 0 ? file : file.substring(0, dot);
    }
}
