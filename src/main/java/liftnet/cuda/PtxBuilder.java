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
import liftnet.gpu.KernelSource;

/**
 * Build step (Maven {@code process-classes}, see pom.xml): compiles the CUDA form of every kernel file,
 * as {@link KernelSource} assembles it, to PTX with nvcc, warnings as errors, into the jar's
 * {@code liftnet/ptx/}. Does nothing when nvcc is not on the PATH; skips modules whose PTX was made from the
 * same source (its first line records the source's SHA-256).
 *
 * <pre>nvcc -x cu --ptx -Werror all-warnings -arch=compute_75 -o module.ptx module.cu</pre>
 * where {@code module.cu} is defines + {@code #define CUDA} + opencl_to_cuda.h + common.cl + the file.
 */
public final class PtxBuilder {

    /** Oldest virtual architecture CUDA 13 supports; the driver JIT-compiles it for newer GPUs. */
    public static final String ARCH = "compute_75";

    private static final String RESOURCE_DIR = "liftnet/ptx/";
    private static final String HASH_PREFIX = "// liftnet-source-sha256 ";

    private PtxBuilder() {
    }

    /** Class-path name of a module's PTX. */
    public static String resource(String module) {
        return RESOURCE_DIR + module + ".ptx";
    }

    /** The PTX the build bundled for {@code module}, or {@code null}. */
    public static byte[] bundledPtx(String module) {
        try (InputStream in = PtxBuilder.class.getClassLoader().getResourceAsStream(resource(module))) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource(module), e);
        }
    }

    /** nvcc on the PATH, or {@code null}. */
    public static Path findNvcc() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "nvcc");
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
        Process proc = new ProcessBuilder(command(nvcc, cu, ptx)).redirectErrorStream(true).start();
        byte[] out = proc.getInputStream().readAllBytes();
        if (!proc.waitFor(10, TimeUnit.MINUTES)) {
            proc.destroyForcibly();
            return new Result(-1, "nvcc timed out");
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
        Files.createDirectories(out);
        List<String> failed = new ArrayList<>();
        for (String file : KernelSource.MODULES) {
            String module = KernelSource.moduleName(file);
            KernelSource source = KernelSource.cudaModule(file);
            String hash = sha256(source.text());
            Path ptx = out.resolve(module + ".ptx");
            if (Files.exists(ptx) && firstLine(ptx).equals(HASH_PREFIX + hash)) {
                continue;
            }
            Path raw = work.resolve(module + ".raw.ptx");
            Result r = compile(nvcc, source, work.resolve(module + ".cu"), raw);
            if (r.exitCode() != 0) {
                System.err.println("[liftnet] nvcc failed for " + file + " (exit " + r.exitCode() + "):\n" + r.output());
                failed.add(file);
                continue;
            }
            Files.writeString(ptx, HASH_PREFIX + hash + "\n" + Files.readString(raw, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            System.out.println("[liftnet] built " + ptx + " with " + nvcc);
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("nvcc failed for " + failed + " (warnings are errors); see the output above");
        }
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
