package liftnet.gpucheck;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPU check's first step: the machine (kernel, CPU, memory, {@code nvidia-smi}) and the devices the engines see,
 * each probed in a child JVM ({@code liftnet.cuda.CudaRuntime}, {@code liftnet.opencl.OclRuntime}). A GPU that
 * {@code nvidia-smi} lists but CUDA cannot use is a FAIL naming the CUresult or the library. OpenCL is restricted
 * to NVIDIA's ICD ({@code OCL_ICD_VENDORS} for the children) unless {@code --allow-cpu-opencl}.
 */
final class Machine {

    private final GpuCheck c;
    boolean cudaOk;
    String cudaWhy = "";
    boolean oclOk;
    String oclWhy = "";
    /** The OpenCL device the training and speed steps use, e.g. {@code opencl:0}. */
    String oclDevice = "opencl";
    boolean oclOnCpu;
    /** JVM options of the OpenCL children (the loader's path where ldconfig does not know it). */
    final List<String> oclOptions = new ArrayList<>();
    int cores = Runtime.getRuntime().availableProcessors();

    Machine(GpuCheck check) {
        this.c = check;
    }

    void probe() throws IOException {
        Report r = c.report;
        r.section("machine");
        String kernel = uname();
        String cpu = cpuInfo("model name").orElse("unknown");
        r.say("kernel: " + kernel);
        r.say("cpu: " + cpu + ", " + cores + " processors, " + memory());
        r.say("java: " + System.getProperty("java.home") + " (" + System.getProperty("java.vm.name") + " " + Runtime.version() + ")");
        if (!System.getProperty("os.arch").matches("amd64|x86_64")) {
            r.say("warning: this is " + System.getProperty("os.arch") + "; the bundled LWJGL natives and runtime are for Linux x86_64");
        }
        Path bundleTxt = c.base.resolve("BUNDLE.txt");
        JsonArray bundleLines = new JsonArray();
        if (Files.isRegularFile(bundleTxt)) {
            List<String> b = Files.readAllLines(bundleTxt);
            b.stream().skip(1).limit(2).forEach(r::say);
            b.stream().limit(9).forEach(bundleLines::add);
        }
        r.put("host", c.host);
        r.put("date", Report.now());
        r.put("mode", c.bundle ? "bundle" : "checkout");
        r.put("budget_s", c.budget.total());
        r.put("bundle", bundleLines);
        r.put("kernel", kernel);
        r.put("cpu", cpu);
        r.put("processors", cores);
        r.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());

        int gpusListed = 0;
        String smiProblem = null;
        String smiCuda = null;
        Path smi = c.logs.resolve("nvidia-smi.log");
        try {
            Child.Result list = c.child.run(List.of("nvidia-smi", "-L"), c.logs.resolve("nvidia-smi-list.log"), 30);
            List<String> listed = GpuCheck.lines(c.logs.resolve("nvidia-smi-list.log"));
            gpusListed = (int) listed.stream().filter(l -> l.matches("GPU \\d+.*")).count();
            if (!list.ok()) {
                smiProblem = "nvidia-smi -L exited with status " + list.exit() + ": " + (listed.isEmpty() ? "" : listed.get(0));
            }
            if (!c.child.run(List.of("nvidia-smi", "--query-gpu=name,driver_version,memory.total,compute_cap,power.limit,clocks.max.sm",
                    "--format=csv"), smi, 30).ok()) {
                Files.copy(c.logs.resolve("nvidia-smi-list.log"), smi, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            c.child.run(List.of("nvidia-smi"), c.logs.resolve("nvidia-smi-full.log"), 30);
            smiCuda = find(GpuCheck.lines(c.logs.resolve("nvidia-smi-full.log")), "CUDA Version: *([0-9.]+)");
            GpuCheck.lines(smi).forEach(l -> r.say("nvidia-smi: " + l));
            if (smiCuda != null) {
                r.say("nvidia-smi: CUDA version " + smiCuda);
            }
        } catch (IOException e) {
            r.say("nvidia-smi: not installed");
        }
        r.put("nvidia_smi", array(GpuCheck.lines(smi)));

        // CUDA devices
        r.begin("cuda probe");
        Path cudaLog = c.logs.resolve("cuda-devices.log");
        Child.Result probe = c.child.run(c.java(List.of(), "liftnet.cuda.CudaRuntime"), cudaLog, 60);
        List<String> cudaLines = GpuCheck.lines(cudaLog);
        cudaLines.forEach(l -> r.say("cuda: " + l));
        List<String> cudaDevices = cudaLines.stream().filter(l -> l.startsWith("cuda:")).toList();
        cudaOk = probe.ok() && !cudaDevices.isEmpty();
        if (!cudaOk) {
            cudaWhy = cudaLines.stream().filter(l -> l.startsWith("no CUDA device")).findFirst()
                    .orElse("no CUDA device (the probe exited with status " + probe.exit() + ": " + GpuCheck.lastLine(cudaLog) + ")");
        }
        if (smiProblem != null) {
            r.record("nvidia-smi", Report.Status.FAIL, 0, smiProblem);
        }
        if (cudaOk) {
            r.record("cuda probe", Report.Status.PASS, probe.seconds(), cudaDevices.size() + " device(s)");
        } else if (gpusListed > 0) {
            r.say("FAIL: nvidia-smi lists " + gpusListed + " GPU(s) but CUDA cannot use them: " + cudaWhy);
            r.record("cuda probe", Report.Status.FAIL, probe.seconds(), "nvidia-smi lists " + gpusListed + " GPU(s); " + cudaWhy);
            cudaWhy = "the CUDA probe failed";
        } else {
            r.begin(null);
        }
        String driverCuda = Optional.ofNullable(find(cudaLines, "\\(CUDA driver ([0-9][0-9.]*)")).orElse(smiCuda);
        String isa = ptxIsa();
        r.say("ptx: " + (isa == null ? "" : "native ISA " + isa + ", ") + "compat ISA 7.8 in the jar; --ptx " + c.ptx
                + "; driver: CUDA " + (driverCuda == null ? "none" : driverCuda));
        r.put("cuda_devices", array(cudaDevices));
        r.put("cuda_problem", cudaOk ? null : new com.google.gson.JsonPrimitive(cudaWhy));
        JsonObject ptx = new JsonObject();
        ptx.addProperty("isa", isa);
        ptx.addProperty("driver_cuda", driverCuda);
        ptx.addProperty("mode", c.ptx);
        r.put("ptx", ptx);

        opencl();
        r.say(cudaOk ? "=> CUDA: yes" : "=> CUDA: no (" + cudaWhy + ")");
        r.say(oclOk ? "=> OpenCL: " + oclDevice : "=> OpenCL: no (" + oclWhy + ")");
        r.write();
    }

    /** Finds a loader and, without --allow-cpu-opencl, NVIDIA's ICD; lists the devices and picks one. */
    private void opencl() throws IOException {
        Report r = c.report;
        if (!ldconfigKnows("libOpenCL.so.1")) {
            for (String f : List.of("/usr/local/cuda/lib64/libOpenCL.so.1", "/usr/local/cuda/targets/x86_64-linux/lib/libOpenCL.so.1",
                    "/usr/lib/x86_64-linux-gnu/libOpenCL.so.1", "/usr/lib64/libOpenCL.so.1")) {
                if (Files.isRegularFile(Path.of(f))) {
                    oclOptions.add("-Dorg.lwjgl.opencl.libname=" + f);
                    r.say("opencl: loader " + f);
                    break;
                }
            }
        }
        if (!c.allowCpuOpencl) {
            String icd = nvidiaIcd();
            if (icd == null) {
                oclWhy = "no NVIDIA OpenCL ICD (no /etc/OpenCL/vendors/*nvidia*, no libnvidia-opencl.so.1); --allow-cpu-opencl runs OpenCL on any device";
            } else {
                Path vendors = Files.createDirectories(c.work.resolve("icd"));
                Files.writeString(vendors.resolve("nvidia.icd"), icd + "\n");
                c.child.setenv("OCL_ICD_VENDORS", vendors.toString()); // only NVIDIA's platform (ocl-icd and the Khronos loader read it)
                r.say("opencl: NVIDIA ICD " + icd + " (OCL_ICD_VENDORS=" + vendors + ")");
            }
        }
        List<String> devices = List.of();
        if (oclWhy.isEmpty()) {
            Path log = c.logs.resolve("opencl-devices.log");
            Child.Result probe = c.child.run(c.java(oclOptions, "liftnet.opencl.OclRuntime"), log, 60);
            List<String> lines = GpuCheck.lines(log);
            lines.forEach(l -> r.say("opencl: " + l));
            devices = lines.stream().filter(l -> l.startsWith("opencl:")).toList();
            if (probe.ok() && !devices.isEmpty()) {
                Optional<String> first = devices.stream().filter(l -> c.allowCpuOpencl || l.endsWith(", gpu)")).findFirst();
                if (first.isPresent()) {
                    oclOk = true;
                    oclDevice = first.get().split(" ", 2)[0];
                    oclOnCpu = first.get().endsWith(", cpu)");
                    if (!oclDevice.equals("opencl:0")) {
                        r.say("opencl: note: the tests use device opencl:0, training and speed " + oclDevice);
                    }
                } else {
                    oclWhy = "no OpenCL GPU device (--allow-cpu-opencl runs OpenCL on CPU devices)";
                }
            } else {
                oclWhy = lines.stream().filter(l -> l.startsWith("no OpenCL device")).findFirst()
                        .orElse("no OpenCL device (the probe exited with status " + probe.exit() + ")");
            }
        }
        r.put("opencl_devices", array(devices));
        r.put("opencl_device_used", oclOk ? new com.google.gson.JsonPrimitive(oclDevice) : null);
        r.put("opencl_problem", oclOk ? null : new com.google.gson.JsonPrimitive(oclWhy));
    }

    /** The GPU engine the variants, the conv steps and the VGG speed use: {@code cuda}, else the OpenCL device, else null. */
    String gpuEngine() {
        return cudaOk ? "cuda" : oclOk ? oclDevice : null;
    }

    /** Why {@link #gpuEngine()} is null. */
    String noGpuWhy() {
        return "no GPU engine: " + cudaWhy + "; " + oclWhy;
    }

    /** JVM options of a child that runs {@code engine}. */
    List<String> optionsFor(String engine) {
        return engine.startsWith("opencl") ? oclOptions : List.of();
    }

    private String nvidiaIcd() throws IOException {
        Path vendors = Path.of("/etc/OpenCL/vendors");
        if (Files.isDirectory(vendors)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(vendors, "*.icd")) {
                for (Path f : s) {
                    String text = Files.readString(f).strip();
                    if (text.toLowerCase(Locale.ROOT).contains("nvidia")) {
                        return text;
                    }
                }
            }
        }
        for (String f : List.of("/usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1", "/usr/lib64/libnvidia-opencl.so.1")) {
            if (Files.isRegularFile(Path.of(f))) {
                return f;
            }
        }
        return ldconfigKnows("libnvidia-opencl.so.1") ? "libnvidia-opencl.so.1" : null;
    }

    private boolean ldconfigKnows(String library) {
        Path log = c.work.resolve("ldconfig.log");
        try {
            c.child.run(List.of("ldconfig", "-p"), log, 30);
            return GpuCheck.lines(log).stream().anyMatch(l -> l.strip().startsWith(library + " "));
        } catch (IOException e) {
            return false;
        }
    }

    private String ptxIsa() throws IOException {
        Path txt = c.base.resolve("lib/ptx.txt");
        if (Files.isRegularFile(txt)) {
            return find(Files.readAllLines(txt), "^isa=(.+)");
        }
        Path gemm = c.base.resolve("target/classes/liftnet/ptx/gemm.ptx");
        return Files.isRegularFile(gemm) ? find(Files.readAllLines(gemm), "^\\.version ([0-9.]+)$") : null;
    }

    private static String uname() {
        return System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
    }

    private static Optional<String> cpuInfo(String key) {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith(key))
                    .map(l -> l.replaceFirst("^[^:]*:\\s*", "")).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String memory() {
        try {
            String kb = find(Files.readAllLines(Path.of("/proc/meminfo")), "^MemTotal:\\s+(\\d+)");
            return kb == null ? "memory unknown" : Math.round(Long.parseLong(kb) / 1048576.0) + " GiB";
        } catch (IOException e) {
            return "memory unknown";
        }
    }

    /** The first group of the first line where {@code regex} is found, or null. */
    static String find(List<String> lines, String regex) {
        Pattern p = Pattern.compile(regex);
        for (String l : lines) {
            Matcher m = p.matcher(l);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    static JsonArray array(List<String> lines) {
        JsonArray a = new JsonArray();
        lines.forEach(a::add);
        return a;
    }
}
