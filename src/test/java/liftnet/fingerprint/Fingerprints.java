package liftnet.fingerprint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Solver;
import liftnet.cpu.CpuEngineProvider;
import liftnet.data.Dataset;
import liftnet.train.TrainConfig;
import liftnet.train.Trainer;

/**
 * Fingerprints of the CPU engine's training: {@link #STEPS} SGD steps from a fixed seed, then the SHA-256 of every
 * parameter tensor (its floats' bits, little-endian), over a grid of methods, solvers, clamps, stopping rules and
 * thread counts ({@link #grid}). The committed values ({@code src/test/resources/fingerprints/lanes-N/NET.txt}) were
 * taken from a pinned commit by {@code scripts/record-fingerprints.sh}; they hold for one lane count of the Vector
 * API ({@link #lanes()}), since the order of float additions follows it.
 *
 * <p>This class and {@link FingerprintCase} are copied into the pinned commit's tree to record the values there, so
 * they use only API that commit has: {@link CpuEngineProvider}, {@link Trainer}, {@link TrainConfig}.
 */
public final class Fingerprints {

    /** The nets, by name: a dense one and a conv one, both on 28x28 inputs. */
    public static final Map<String, String> NETS = Map.of(
            "dense", "784-32-16-10",
            "conv", "1x28x28-c4k5s2-c8k3s2-16-10");
    /** SGD steps trained before the parameters are hashed. */
    public static final int STEPS = 3;
    public static final int BATCH = 10;
    /** The back-propagation learning rate (the paper's); lifted methods scale it per layer ({@link Method#layerRate}). */
    public static final double LEARNING_RATE = 0.05;
    /** {@code beta} of the cross-entropy soft clamp. */
    public static final double SOFT_BETA = 0.01;
    /** {@code --tol} of the energy stopping rule. */
    public static final double TOL = 1e-9;
    /** Most sweeps under the stopping rule: more than 15, so that the rule, not the cap, ends some inferences. */
    public static final int TOL_MAX_SWEEPS = 100;
    public static final long PARAMETER_SEED = 1;
    public static final long DATA_SEED = 2;
    public static final long ORDER_SEED = 3;
    /** The resource folder of the committed values, relative to the class path root and to {@code src/test/resources}. */
    public static final String FOLDER = "fingerprints";

    private Fingerprints() {
    }

    /** Lanes of {@link FloatVector#SPECIES_PREFERRED}: 8 on AVX2, 16 on AVX-512; the key of the committed values. */
    public static int lanes() {
        return FloatVector.SPECIES_PREFERRED.length();
    }

    /** {@code fingerprints/lanes-N/NET.txt}. */
    public static String resource(String net, int lanes) {
        return FOLDER + "/lanes-" + lanes + "/" + net + ".txt";
    }

    /**
     * Every case for {@code net}: the lifted methods over {Jacobi, Gauss-Seidel} x {hard clamp, cross-entropy soft
     * clamp} x {15 sweeps, tolerance} x {1, 3 threads}; back-propagation and linear over {1, 3 threads}.
     */
    public static List<FingerprintCase> grid(String net) {
        List<FingerprintCase> cases = new ArrayList<>();
        for (Method method : Method.values()) {
            for (int threads : new int[] {1, 3}) {
                if (!method.isLifted()) {
                    cases.add(new FingerprintCase(net, method, null, false, false, threads));
                    continue;
                }
                for (Solver solver : new Solver[] {Solver.JACOBI, Solver.GAUSS_SEIDEL}) {
                    for (boolean soft : new boolean[] {false, true}) {
                        for (boolean tol : new boolean[] {false, true}) {
                            cases.add(new FingerprintCase(net, method, solver, soft, tol, threads));
                        }
                    }
                }
            }
        }
        return cases;
    }

    /** The training inputs: {@code count} 28x28 images, a random box of pixels in [0, 1] (a third zero) on black. */
    static Dataset images(NetSpec net, int count) {
        SplittableRandom r = new SplittableRandom(DATA_SEED);
        int side = 28;
        float[] x = new float[count * net.inputs()];
        int[] y = new int[count];
        for (int s = 0; s < count; s++) {
            int top = 3 + r.nextInt(5);
            int bottom = 20 + r.nextInt(5);
            int left = 3 + r.nextInt(5);
            int right = 20 + r.nextInt(5);
            for (int i = top; i < bottom; i++) {
                for (int j = left; j < right; j++) {
                    x[s * net.inputs() + i * side + j] = r.nextInt(3) == 0 ? 0f : (float) r.nextDouble();
                }
            }
            y[s] = r.nextInt(net.outputs());
        }
        return new Dataset("fingerprint images", count, net.inputs(), net.outputs(), x, y);
    }

    /**
     * Trains {@code c} for {@link #STEPS} steps of {@link #BATCH} samples from {@link Parameters#initial} and returns
     * the SHA-256 of each tensor, {@code W0, b0, W1, ...} in layer order, as lower-case hex.
     */
    public static Map<String, String> compute(FingerprintCase c) {
        TrainConfig tc = new TrainConfig(c.netConfig(), c.method(), 1, BATCH, LEARNING_RATE, 0, 1, c.solverConfig(),
                ORDER_SEED, 0);
        NetSpec net = tc.engineNet().net();
        Dataset data = images(net, STEPS * BATCH);
        try (Engine engine = new CpuEngineProvider().create(tc.engineNet(), 0, c.threads())) {
            engine.setParameters(Parameters.initial(net, PARAMETER_SEED));
            Trainer trainer = new Trainer(engine, tc);
            DeviceData d = engine.upload(data);
            trainer.trainEpoch(d, 1, null);
            Parameters p = engine.parameters();
            Map<String, String> hashes = new LinkedHashMap<>();
            for (int k = 0; k < net.layers(); k++) {
                hashes.put("W" + k, sha256(p.weight(k)));
                hashes.put("b" + k, sha256(p.bias(k)));
            }
            return hashes;
        }
    }

    /** SHA-256 of the floats' raw bits, little-endian, as lower-case hex. */
    static String sha256(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putInt(Float.floatToRawIntBits(v));
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The JVM options that set the vector size (e.g. {@code -XX:MaxVectorSize=32} to record 8 lanes on AVX-512). */
    private static String vectorFlags() {
        String flags = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:MaxVectorSize") || a.startsWith("-XX:UseAVX"))
                .collect(java.util.stream.Collectors.joining(" "));
        return flags.isEmpty() ? "" : ", " + flags;
    }

    /** One line per case: {@code ID W0=HEX b0=HEX ...}. */
    static String line(FingerprintCase c, Map<String, String> hashes) {
        StringBuilder s = new StringBuilder(c.id());
        hashes.forEach((name, hex) -> s.append(' ').append(name).append('=').append(hex));
        return s.toString();
    }

    /** Parses a fingerprint file: case id to tensor name to hex; lines starting with {@code #} are comments. */
    static Map<String, Map<String, String>> parse(List<String> lines) {
        Map<String, Map<String, String>> cases = new LinkedHashMap<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split("\\s+");
            Map<String, String> hashes = new LinkedHashMap<>();
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("fingerprint line '" + t + "': expected NAME=HEX, found " + parts[i]);
                }
                hashes.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
            }
            cases.put(parts[0], hashes);
        }
        return cases;
    }

    /**
     * Writes the whole grid of {@code net} to {@code dir/lanes-N/NET.txt}, headed by what it was recorded from.
     *
     * @param commit the commit the classes were built from, for the header
     */
    static Path record(Path dir, String net, String commit) {
        List<String> lines = new ArrayList<>();
        lines.add("# SHA-256 of each parameter tensor (float bits, little-endian) after " + STEPS + " SGD steps of "
                + BATCH + " samples: liftnet.fingerprint.Fingerprints");
        lines.add("# net " + NETS.get(net) + "; recorded from commit " + commit + " by scripts/record-fingerprints.sh");
        lines.add("# " + FloatVector.SPECIES_PREFERRED + ", java " + System.getProperty("java.version") + ", "
                + System.getProperty("os.arch") + vectorFlags());
        for (FingerprintCase c : grid(net)) {
            lines.add(line(c, compute(c)));
        }
        Path file = dir.resolve("lanes-" + lanes()).resolve(net + ".txt");
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
