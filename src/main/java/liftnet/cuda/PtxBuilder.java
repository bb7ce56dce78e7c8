package liftnet.cuda;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liftnet.gpu.KernelSource;

/**
 * Build step (Maven {@code process-classes}, see core.xml): compiles the CUDA form of every kernel file,
 * as {@link KernelSource} assembles it, to PTX with nvcc, warnings as errors, into the jar's
 * {@code liftnet/ptx/}. Does nothing when nvcc is not on the PATH; skips modules whose PTX was made from the
 * same source (its first line records the source's SHA-256).
 *
 * <pre>nvcc -x cu --ptx -Werror all-warnings -arch=compute_75 -o module.ptx module.cu</pre>
 * where {@code module.cu} is defines + {@code #define CUDA} + opencl_to_cuda.h + common.cl + the file.
 *
 * <p>Two flavours of each module go into the jar ({@link Flavour}): nvcc's output, which declares the PTX ISA
 * of nvcc's release (CUDA 13.0: ISA 9.0, which a CUDA 12 driver refuses with
 * {@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION}), and the same code declaring ISA {@value #COMPAT_ISA} (CUDA 11.8,
 * the first release for the H100) under {@code liftnet/ptx/compat/}, checked by ptxas for sm_75 and sm_90 (ptxas
 * rejects instructions the declared ISA lacks). {@link CudaDevice} loads the first and falls back to the second.
 */
public final class PtxBuilder {

    /** Oldest virtual architecture CUDA 13 supports; the driver JIT-compiles it for newer GPUs. */
    public static final String ARCH = "compute_75";

    /** The PTX ISA the compatible flavour declares: CUDA 11.8's, read by every driver since. */
    public static final String COMPAT_ISA = "7.8";
    /** The real architectures ptxas checks the compatible flavour for (Turing, the oldest; Hopper). */
    static final List<String> COMPAT_CHECK_ARCHS = List.of("sm_75", "sm_90");

    private static final String HASH_PREFIX = "// liftnet-source-sha256 ";
    private static final Pattern VERSION = Pattern.compile("(?m)^\\.version ([0-9]+\\.[0-9]+)$");

    /** The two PTX flavours in the jar, in the order {@link CudaDevice} tries them. */
    public enum Flavour {
        /** nvcc's output as it is: the PTX ISA of nvcc's release. */
        NATIVE("liftnet/ptx/"),
        /** The same code declaring ISA {@value PtxBuilder#COMPAT_ISA}, for drivers older than nvcc. */
        COMPAT("liftnet/ptx/compat/");

        private final String dir;

        Flavour(String dir) {
            this.dir = dir;
        }

        /** Class-path folder of this flavour's PTX. */
        public String dir() {
            return dir;
        }
    }

    private PtxBuilder() {
    }

    /** Class-path name of a module's PTX (the native flavour). */
    public static String resource(String module) {
        return resource(module, Flavour.NATIVE);
    }

    /** Class-path name of a module's PTX of {@code flavour}. */
    public static String resource(String module, Flavour flavour) {
        return flavour.dir() + module + ".ptx";
    }

    /** The PTX the build bundled for {@code module} (native flavour), or {@code null}. */
    public static byte[] bundledPtx(String module) {
        return bundledPtx(module, Flavour.NATIVE);
    }

    /** The PTX of {@code flavour} the build bundled for {@code module}, or {@code null}. */
    public static byte[] bundledPtx(String module, Flavour flavour) {
        String name = resource(module, flavour);
        try (InputStream in = PtxBuilder.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    /** The ISA a PTX text declares ({@code .version 9.0} gives {@code 9.0}), or {@code null}. */
    public static String isa(String ptx) {
        Matcher m = VERSION.matcher(ptx);
        return m.find() ? m.group(1) : null;
    }

    /** {@code ptx} with its {@code .version} line declaring {@code isa} instead; nothing else changes. */
    static String declareIsa(String ptx, String isa) {
        Matcher m = VERSION.matcher(ptx);
        if (!m.find()) {
            throw new IllegalArgumentException("PTX without a .version line");
        }
        return ptx.substring(0, m.start(1)) + isa + ptx.substring(m.end(1));
    }

    /** Whether ISA {@code a} is older than {@code b} (both {@code major.minor}). */
    static boolean olderIsa(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return c != 0 ? c < 0 : Integer.parseInt(x[1]) < Integer.parseInt(y[1]);
    }

    /** nvcc on the PATH, or {@code null}. */
    public static Path findNvcc() {
        return onPath("nvcc");
    }

    /** ptxas on the PATH, or {@code null}. */
    public static Path findPtxas() {
        return onPath("ptxas");
    }

    private static Path onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** The nvcc command line that compiles {@code cu} to {@code ptx}. */
    public static List<String> command(Path nvcc, Path cu, Path ptx) {
        return List.of(nvcc.toString(), "-x", "cu", "--ptx", "-Werror", "all-warnings", "-arch=" + ARCH,
                "-o", ptx.toString(), cu.toString());
    }

    /** Result of one nvcc run. */
    public record Result(int exitCode, String output) {
    }

    /**
     * Writes {@code source}'s text to {@code cu} and compiles it to {@code ptx} with nvcc.
     *
     * @return nvcc's exit code and its merged output
     */
    public static Result compile(Path nvcc, KernelSource source, Path cu, Path ptx) throws IOException, InterruptedException {
        Files.createDirectories(cu.toAbsolutePath().getParent());
        Files.createDirectories(ptx.toAbsolutePath().getParent());
        Files.writeString(cu, source.text(), StandardCharsets.UTF_8);
        return run(command(nvcc, cu, ptx));
    }

    /**
     * Assembles {@code ptx} with ptxas for {@code arch} (e.g. {@code sm_75}), output discarded: whether the
     * declared ISA holds every instruction the code uses.
     */
    public static Result assemble(Path ptxas, Path ptx, String arch) throws IOException, InterruptedException {
        return run(List.of(ptxas.toString(), "-arch=" + arch, "-o", "/dev/null", ptx.toString()));
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process proc = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = proc.getInputStream().readAllBytes();
        if (!proc.waitFor(10, TimeUnit.MINUTES)) {
            proc.destroyForcibly();
            return new Result(-1, command.get(0) + " timed out");
        }
        return new Result(proc.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /**
     * {@code PtxBuilder <ptx output dir> <work dir>}: builds every module; exits non-zero when nvcc fails.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: PtxBuilder <ptx output dir> <work dir>");
        }
        Path out = Path.of(args[0]);
        Path work = Path.of(args[1]);
        Path nvcc = findNvcc();
        if (nvcc == null) {
            System.out.println("[liftnet] nvcc not on the PATH: the jar gets no PTX (the CUDA engine falls back to NVRTC)");
            return;
        }
        Path ptxas = findPtxas();
        Path compatDir = out.resolve("compat");
        Files.createDirectories(compatDir);
        List<String> failed = new ArrayList<>();
        for (String file : KernelSource.MODULES) {
            String module = KernelSource.moduleName(file);
            KernelSource source = KernelSource.cudaModule(file);
            String hash = sha256(source.text());
            Path ptx = out.resolve(module + ".ptx");
            Path compat = compatDir.resolve(module + ".ptx");
            if (upToDate(ptx, hash) && upToDate(compat, hash)) {
                continue;
            }
            Path raw = work.resolve(module + ".raw.ptx");
            Result r = compile(nvcc, source, work.resolve(module + ".cu"), raw);
            if (r.exitCode() != 0) {
                System.err.println("[liftnet] nvcc failed for " + file + " (exit " + r.exitCode() + "):\n" + r.output());
                failed.add(file);
                continue;
            }
            String text = HASH_PREFIX + hash + "\n" + Files.readString(raw, StandardCharsets.UTF_8);
            Files.writeString(ptx, text, StandardCharsets.UTF_8);
            String isa = isa(text);
            String compatText = isa != null && olderIsa(COMPAT_ISA, isa) ? declareIsa(text, COMPAT_ISA) : text;
            Files.writeString(compat, compatText, StandardCharsets.UTF_8);
            if (ptxas != null) {
                for (String arch : COMPAT_CHECK_ARCHS) {
                    Result a = assemble(ptxas, compat, arch);
                    if (a.exitCode() != 0) {
                        Files.delete(compat);
                        System.err.println("[liftnet] ptxas rejects " + module + ".ptx declared as ISA " + COMPAT_ISA + " for " + arch
                                + " (the kernels use an instruction newer than CUDA 11.8):\n" + a.output());
                        failed.add(file + " (compatible flavour)");
                        break;
                    }
                }
            }
            System.out.println("[liftnet] built " + ptx + " (ISA " + isa + ") and compat/" + module + ".ptx (ISA " + isa(compatText)
                    + (ptxas == null ? ", not checked: no ptxas on the PATH" : ", checked by ptxas for " + COMPAT_CHECK_ARCHS) + ") with " + nvcc);
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("PTX build failed for " + failed + " (nvcc warnings are errors); see the output above");
        }
    }

    private static boolean upToDate(Path ptx, String hash) throws IOException {
        return Files.exists(ptx) && firstLine(ptx).equals(HASH_PREFIX + hash);
    }

    private static String firstLine(Path p) throws IOException {
        try (var lines = Files.lines(p, StandardCharsets.UTF_8)) {
            return lines.findFirst().orElse("");
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
