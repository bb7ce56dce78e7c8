package liftnet.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntToDoubleFunction;
import java.util.function.Supplier;
import liftnet.api.Method;
import liftnet.data.Dataset;

/**
 * A/B of two liftnet builds in one JVM: a pinned baseline jar and the current one, each behind its own class loader (so
 * each has its own classes and JIT profiles), training the same steps (contrastive, or back-propagation in the backprop
 * rows) from the same weights on the same batches, taking turns. Per row: at least {@code --pairs} interleaved pairs
 * (the order alternates: baseline first in even pairs), each side timing the same number of steps, calibrated to about
 * {@code --seconds} per measurement after warm-up. Reports per-variant medians of samples/s, the median of the paired
 * ratios (current / baseline throughput) and its 95% sign-test interval ({@link PairedRatios}), and whether both builds
 * ended with the same parameter bits. Taking turns gives both builds the same machine; on a shared VM throughput drifts
 * by up to 1.7x for minutes (see {@link TolerancePair}).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar liftnet.bench.AbPair \
 *     --baseline target/baseline-9705320/liftnet.jar [--current target/liftnet.jar] [--pairs 10] [--warmup 8]
 *     [--seconds 3] [--threads N] [--rows dense50,dense1000,conv50]
 *     (more rows: backprop50, backprop1000, backprop-conv50)
 * </pre>
 * {@code scripts/ab-pair.sh} builds both jars and runs this. Inputs: MNIST from {@code data/} ({@link BenchData}).
 */
public final class AbPair {

    /** A measured row: a net, a batch size and the training method of its steps. */
    record Row(String name, String net, int batch, Method method) {
    }

    private static final String CONV_NET = "1x28x28-c16k5s2-c32k3s2-64-10";

    static final List<Row> ROWS = List.of(
            new Row("dense50", Report.TARGET_NET, 50, Method.CONTRASTIVE),
            new Row("dense1000", Report.TARGET_NET, 1000, Method.CONTRASTIVE),
            new Row("conv50", CONV_NET, 50, Method.CONTRASTIVE),
            new Row("backprop50", Report.TARGET_NET, 50, Method.BACKPROP),
            new Row("backprop1000", Report.TARGET_NET, 1000, Method.BACKPROP),
            new Row("backprop-conv50", CONV_NET, 50, Method.BACKPROP));

    private AbPair() {
    }

    public static void main(String[] args) throws Exception {
        Path baseline = null;
        Path current = Path.of("target/liftnet.jar");
        int pairs = 10;
        int warmup = 8;
        double seconds = 3;
        int threads = Runtime.getRuntime().availableProcessors();
        List<String> rows = ROWS.stream().filter(r -> r.method() == Method.CONTRASTIVE).map(Row::name).toList();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--baseline" -> baseline = Path.of(value(a, v));
                case "--current" -> current = Path.of(value(a, v));
                case "--pairs" -> pairs = Integer.parseInt(value(a, v));
                case "--warmup" -> warmup = Integer.parseInt(value(a, v));
                case "--seconds" -> seconds = Double.parseDouble(value(a, v));
                case "--threads" -> threads = Integer.parseInt(value(a, v));
                case "--rows" -> rows = Arrays.asList(value(a, v).split(","));
                default -> fail("unknown option " + a + "; see the javadoc of liftnet.bench.AbPair or scripts/ab-pair.sh");
            }
            i++;
        }
        if (baseline == null || !Files.isRegularFile(baseline) || !Files.isRegularFile(current)) {
            fail("needs --baseline JAR and --current JAR (found " + baseline + ", " + current + "); scripts/ab-pair.sh builds both");
        }
        if (pairs < 1 || warmup < 0 || !(seconds > 0) || threads < 1) {
            fail("--pairs and --threads must be at least 1, --warmup at least 0, --seconds positive");
        }
        System.out.printf(Locale.ROOT, "[ab] baseline %s, current %s, %d pairs, %d threads, java %s%n", baseline, current,
                pairs, threads, System.getProperty("java.version"));
        List<String> table = new ArrayList<>();
        table.add("| row | net | method | batch | steps/measurement | baseline samples/s | current samples/s "
                + "| current/baseline (median of pairs) | 95% interval (sign test, coverage) | same bits |");
        table.add("|---|---|---|---:|---:|---:|---:|---:|---|---|");
        for (String name : rows) {
            Row row = ROWS.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
            if (row == null) {
                fail("unknown row " + name + "; use " + ROWS.stream().map(Row::name).toList());
            }
            table.add(measure(row, baseline, current, pairs, warmup, seconds, threads));
        }
        table.forEach(System.out::println);
    }

    private static String measure(Row row, Path baselineJar, Path currentJar, int pairs, int warmup, double seconds,
                                  int threads) throws Exception {
        Dataset data = BenchData.forNet(784, 10, Workload.SEED);
        try (Side base = new Side("baseline", baselineJar, row, threads, data);
             Side cur = new Side("current", currentJar, row, threads, data)) {
            double one = 0;
            for (int i = 0; i < 3; i++) { // both sides run every step, so they stay on the same batches
                one = base.run(1);
                cur.run(1);
            }
            int steps = stepsFor(seconds, one);
            for (int i = 0; i < warmup; i++) { // the first steps run cold: recalibrate as the JIT warms up
                double t = base.run(steps);
                cur.run(steps);
                steps = stepsFor(seconds, t / steps);
            }
            double[] b = new double[pairs];
            double[] c = new double[pairs];
            double[] ratio = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                if (i % 2 == 0) {
                    b[i] = base.run(steps);
                    c[i] = cur.run(steps);
                } else {
                    c[i] = cur.run(steps);
                    b[i] = base.run(steps);
                }
                ratio[i] = b[i] / c[i];
                System.out.printf(Locale.ROOT, "[ab] %s pair %d: baseline %.0f, current %.0f samples/s, ratio %.4f%n",
                        row.name(), i + 1, steps * row.batch() / b[i], steps * row.batch() / c[i], ratio[i]);
            }
            PairedRatios r = PairedRatios.of(ratio);
            boolean same = base.fingerprint().equals(cur.fingerprint());
            return String.format(Locale.ROOT,
                    "| %s | %s | %s | %d | %d | %.0f | %.0f | %.4f | %.4f .. %.4f (%.1f%%) | %s |",
                    row.name(), row.net(), row.method().name().toLowerCase(Locale.ROOT), row.batch(), steps,
                    throughput(b, steps * row.batch()), throughput(c, steps * row.batch()), r.median(), r.low(),
                    r.high(), 100 * r.coverage(), same ? "yes" : "no");
        }
    }

    /** Steps of {@code secondsPerStep} each that fill about {@code seconds}. */
    private static int stepsFor(double seconds, double secondsPerStep) {
        return (int) Math.max(1, Math.round(seconds / secondsPerStep));
    }

    /** Median samples/s of measurements of {@code samples} samples each. */
    private static double throughput(double[] secondsEach, double samples) {
        double[] s = Arrays.stream(secondsEach).map(t -> samples / t).sorted().toArray();
        return PairedRatios.median(s);
    }

    private static String value(String option, String v) {
        if (v == null) {
            fail(option + " needs a value");
        }
        return v;
    }

    private static void fail(String message) {
        System.err.println("error: " + message);
        System.exit(2);
    }

    /** One build: its class loader and an {@link AbStep} defined in it. */
    private static final class Side implements AutoCloseable {
        private final String name;
        private final BuildLoader loader;
        private final Object step;

        Side(String name, Path jar, Row row, int threads, Dataset data) throws Exception {
            this.name = name;
            this.loader = new BuildLoader(jar);
            try {
                Class<?> c = loader.loadClass(AbStep.class.getName());
                step = c.getConstructor(String.class, String.class, int.class, int.class, int.class, float[].class,
                                int[].class, int.class, long.class, double.class)
                        .newInstance(row.net(), row.method().name(), row.batch(), threads,
                                liftnet.api.SolverConfig.PAPER_SWEEPS, data.inputs(), data.labels(), data.classes(),
                                Workload.SEED, Workload.ETA_BP);
            } catch (InvocationTargetException e) {
                loader.close();
                throw new IllegalStateException(name + " build could not create its engine: " + e.getCause(), e.getCause());
            }
        }

        double run(int steps) {
            return ((IntToDoubleFunction) step).applyAsDouble(steps);
        }

        @SuppressWarnings("unchecked")
        String fingerprint() {
            return ((Supplier<String>) step).get();
        }

        @Override
        public void close() throws Exception {
            try {
                ((AutoCloseable) step).close();
            } finally {
                loader.close();
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * The classes of one liftnet jar over the platform loader (none of the application's liftnet classes), plus
     * {@link AbStep} defined from the bench's own bytes so that it links against the jar's classes.
     */
    private static final class BuildLoader extends URLClassLoader {

        BuildLoader(Path jar) throws MalformedURLException {
            super(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (!name.equals(AbStep.class.getName())) {
                return super.findClass(name);
            }
            try (InputStream in = AbPair.class.getClassLoader().getResourceAsStream(name.replace('.', '/') + ".class")) {
                if (in == null) {
                    throw new ClassNotFoundException(name);
                }
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
