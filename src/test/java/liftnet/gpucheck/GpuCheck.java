package liftnet.gpucheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * The GPU check: on a machine with an NVIDIA GPU, proves that the CUDA (and, where present, NVIDIA's OpenCL) engine
 * works and measures it against the CPU engine of the same machine, or says exactly why it cannot. Started by
 * {@code scripts/gpu-check.sh} (in a checkout, or in the bundle of {@code scripts/gpu-bundle.sh}), which finds Java
 * and the class path; {@code --help} lists the options.
 *
 * <p>Steps, in priority order (a budget that runs out cuts the last ones): the machine and its devices; the JUnit
 * tests of {@code liftnet.cuda} (contract, parity, PTX), the conv ones of it, and the same two of
 * {@code liftnet.opencl} ({@link TestSteps}); the conv net on the device against the CPU engine and one MNIST
 * epoch per engine ({@link TrainSteps}); throughput on the GPU and the CPU engine, the VGG-style conv net's speed,
 * throughput on OpenCL and fewer CPU threads, the GPU engine's variants and the PyTorch peer ({@link SpeedSteps}).
 * Every child runs under {@link Child} with a limit from {@link Budget}; {@link Report} writes the results. Exit
 * status: 0 when every step passed or was skipped for want of a device, 1 otherwise, 2 for a usage error, 143 or
 * 130 on SIGTERM or SIGINT (the running child ended, the summary written).
 */
@Command(name = "gpu-check.sh", sortOptions = false, usageHelpAutoWidth = true, mixinStandardHelpOptions = false,
        description = "Checks the GPU engines on this machine and measures them against the CPU engine; results and "
                + "logs go to --out DIR as each step ends.",
        footer = {"", "Steps in priority order: machine and devices; JUnit tests of liftnet.cuda and its conv tests,"
                + " the same for liftnet.opencl; the conv net on the GPU against the CPU engine; one MNIST epoch per"
                + " engine; throughput on the GPU and CPU engines; the VGG-style net's speed; throughput on OpenCL and"
                + " fewer CPU threads; the GPU engine's variants and the PyTorch peer. PASS, FAIL, TIMEOUT, NOT-RUN (no"
                + " time left), SKIP (no such device, or a conv step the engine cannot run yet).",
                "The wrapper scripts/gpu-check.sh also takes --java JAVA and --cp CLASSPATH (a checkout).",
                "Exit status: 0 when every step passed or skipped, 1 otherwise, 2 for a usage error, 143/130 on"
                + " SIGTERM/SIGINT."})
public final class GpuCheck implements Callable<Integer> {

    /** The budget every step's wanted time is written for: about 5 minutes on an H100 machine. */
    static final long NOMINAL_BUDGET_S = 300;

    @Option(names = "--out", paramLabel = "DIR", description = "Results and logs go to DIR and nowhere else (e.g. $OUT of"
            + " the device tool); without it the results go to bench/results/ and the logs to a temporary folder.")
    Path out;
    @Option(names = "--allow-cpu-opencl", description = "Run the OpenCL steps on any OpenCL device (PoCL on the CPU, for a"
            + " dry run); by default only on an NVIDIA OpenCL GPU.")
    boolean allowCpuOpencl;
    @Option(names = "--budget", paramLabel = "SECONDS", defaultValue = "" + NOMINAL_BUDGET_S, description = "Time for the"
            + " whole check (default: ${DEFAULT-VALUE}); a step that would not get its minimum is NOT-RUN; a larger"
            + " budget also lengthens each step's limit.")
    long budgetS;
    @Option(names = "--quick", description = "Shorter measurements (0.5 s warm-up, 1 s per case instead of 1 s and 2 s),"
            + " 10,000 training samples (the bundle carries no more), 2,000 for the conv net.")
    boolean quick;
    @Option(names = "--jmh", description = "Also run the JMH quick set (lib/benchmarks.jar or bench/target/benchmarks.jar).")
    boolean jmh;
    @Option(names = "--cpu-threads", paramLabel = "N", defaultValue = "1,2,4,8", split = ",",
            description = "CPU thread counts measured besides all processors (those below nproc; default ${DEFAULT-VALUE}).")
    List<Integer> cpuThreads;
    @Option(names = "--no-tests", negatable = false, description = "Skip the JUnit steps.")
    boolean noTests;
    @Option(names = "--no-train", negatable = false, description = "Skip the training steps.")
    boolean noTrain;
    @Option(names = "--no-speed", negatable = false, description = "Skip the speed steps.")
    boolean noSpeed;
    @Option(names = "--results", paramLabel = "DIR", description = "Also write the results files into DIR (e.g. bench/results, to commit them).")
    Path results;
    @Option(names = "--ptx", paramLabel = "MODE", defaultValue = "auto", description = "Which PTX the CUDA engine loads:"
            + " auto (the native flavour, ISA 7.8 where the driver refuses it), native or compat.")
    String ptx;
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    Path base;
    boolean bundle;
    Path logs;
    Path work;
    Path scratch;
    Path dataDir;
    String host;
    Budget budget;
    Report report;
    Child child;
    Machine machine;
    final List<String> jvm = new ArrayList<>();

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new GpuCheck());
        cl.setParameterExceptionHandler((e, a) -> {
            System.err.println("gpu-check: " + e.getMessage() + " (try --help)");
            return 2;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (!ptx.matches("auto|native|compat")) {
            System.err.println("gpu-check: --ptx takes auto, native or compat, found '" + ptx + "' (try --help)");
            return 2;
        }
        if (budgetS < 0) {
            System.err.println("gpu-check: --budget takes whole seconds >= 0, found " + budgetS + " (try --help)");
            return 2;
        }
        budget = new Budget(budgetS, NOMINAL_BUDGET_S, System::nanoTime);
        layout();
        installSignals();
        try {
            report.say("liftnet gpu-check: " + Report.now() + " on " + host + " (" + (bundle ? "bundle" : "checkout") + ": "
                    + base + "), budget " + budgetS + " s");
            machine = new Machine(this);
            machine.probe();
            TestSteps tests = new TestSteps(this);
            TrainSteps train = new TrainSteps(this);
            SpeedSteps speed = new SpeedSteps(this);
            if (!noTests) {
                tests.run();
            }
            if (!noTrain) {
                train.conv();
                train.epochs();
            }
            if (!noSpeed) {
                speed.throughput();
                speed.conv();
                speed.throughputRest();
                speed.extras();
            }
            if (jmh) {
                speed.jmh();
            }
            report.summary(out);
            return report.failures() == 0 ? 0 : 1;
        } finally {
            deleteTree(work);
        }
    }

    /** Folders: the base (bundle or checkout), scratch, logs, results; the JVM options of every child. */
    private void layout() throws IOException {
        base = Path.of(System.getProperty("liftnet.home", "")).toAbsolutePath().normalize();
        bundle = Files.isRegularFile(base.resolve("lib/liftnet.jar"));
        dataDir = base.resolve("data/mnist");
        scratch = bundle ? base.resolve(".gpu-check") : base.resolve("target/gpu-check-scratch");
        try {
            Files.createDirectories(scratch);
        } catch (IOException e) {
            scratch = Path.of(System.getProperty("java.io.tmpdir"), "liftnet-gpu-check-" + ProcessHandle.current().pid());
            Files.createDirectories(scratch);
        }
        work = Files.createTempDirectory(scratch, "run.");
        host = hostName();
        if (out != null) {
            out = Files.createDirectories(out).toAbsolutePath().normalize();
        }
        Path resultsDir = results != null ? results : out != null ? out : base.resolve("bench/results");
        resultsDir = Files.createDirectories(resultsDir).toAbsolutePath().normalize();
        logs = Files.createDirectories(out != null ? out.resolve("gpu-check-logs") : work.resolve("logs"));
        report = Report.create(resultsDir, out, host, budget);
        child = new Child(new HashMap<>());
        Path cudaCache = Files.createDirectories(scratch.resolve("cuda-cache"));
        child.setenv("CUDA_CACHE_PATH", cudaCache.toString()); // the default, ~/.nv, may be missing or read-only
        jvm.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true", "-Dliftnet.home=" + base,
                "-Dstdout.encoding=UTF-8", "-Dstderr.encoding=UTF-8",
                "-Dorg.lwjgl.system.SharedLibraryExtractPath=" + scratch.resolve("lwjgl"), "-Dliftnet.cuda.ptx=" + ptx,
                "-XX:ErrorFile=" + logs.resolve("hs_err_pid%p.log"), "-XX:-CreateCoredumpOnCrash"));
        String cudaLibrary = System.getenv("LIFTNET_CUDA_LIBRARY");
        if (cudaLibrary != null && !cudaLibrary.isEmpty()) {
            jvm.add("-Dorg.lwjgl.cuda.libname=" + cudaLibrary);
        }
        int major = Runtime.version().feature();
        if (major >= 22) {
            jvm.add("--enable-native-access=ALL-UNNAMED");
        }
        if (major >= 24) {
            jvm.add("--sun-misc-unsafe-memory-access=allow");
        }
    }

    private void installSignals() {
        for (String[] s : new String[][] {{"TERM", "143"}, {"INT", "130"}}) {
            try {
                Signal.handle(new Signal(s[0]), sig -> interrupted(s[0], Integer.parseInt(s[1])));
            } catch (IllegalArgumentException e) {
                // no such signal here: the JVM's default handling stays
            }
        }
    }

    /** SIGTERM or SIGINT: the running child ended, its step INTERRUPTED, the summary written; exits {@code code}. */
    private void interrupted(String signal, int code) {
        String step = report.freeze();
        long secs = report.runningSeconds();
        child.stop();
        report.interrupted(step, secs, "ended by SIG" + signal + " after " + secs + " s");
        report.say("");
        report.say("gpu-check: SIG" + signal + " after " + budget.elapsed() + " s: the child JVMs are ended; what was measured is kept");
        report.summary(out);
        deleteTree(work);
        Runtime.getRuntime().halt(code);
    }

    /**
     * Runs one step's child under the budget: {@code want} seconds (scaled), at least {@code min}. Records NOT-RUN
     * and returns empty when the budget leaves too little, FAIL and empty when the command cannot start.
     */
    Optional<Child.Result> run(String step, long want, long min, Path log, List<String> command) {
        OptionalLong limit = budget.limit(want, min);
        if (limit.isEmpty()) {
            writeQuietly(log, budget.notRunReason(min) + "\n");
            report.record(step, Report.Status.NOT_RUN, 0, budget.notRunReason(min));
            return Optional.empty();
        }
        report.begin(step);
        try {
            return Optional.of(child.run(command, log, limit.getAsLong()));
        } catch (IOException e) {
            report.record(step, Report.Status.FAIL, 0, "cannot start " + command.get(0) + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** A child JVM: this process's java, the common options, {@code extra}, the class path, then the main class. */
    List<String> java(List<String> extra, String mainClass, String... args) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(jvm);
        c.addAll(extra);
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add(mainClass);
        c.addAll(List.of(args));
        return c;
    }

    /** The lines of a log, without the JVM's incubator-module warning and blank lines; none when it is missing. */
    static List<String> lines(Path log) {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8).replace('\r', '\n');
            return text.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator modules")).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    /** The last line of a log, for a FAIL's detail. */
    static String lastLine(Path log) {
        List<String> l = lines(log);
        return l.isEmpty() ? "(no output)" : l.get(l.size() - 1);
    }

    static void writeQuietly(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            // only a log: the step's record says the same
        }
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            } catch (IOException e) {
                h = "host";
            }
        }
        h = h.replaceAll("[^A-Za-z0-9._-]", "_");
        return h.isEmpty() ? "host" : h.substring(0, Math.min(40, h.length()));
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // scratch only
        }
    }
}
