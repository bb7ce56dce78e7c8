package liftnet.gpu;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import liftnet.api.EngineProfile;
import org.lwjgl.system.MemoryUtil;

/**
 * A {@link GpuDevice} as the engine's routines use it: launches by {@link Kernel} with checked
 * {@link KernelArgs}, host transfers, and the counts a profile reports (launches, host synchronisations: every
 * call that waits for the device) with, when timing is on, each launch's device time under the phase it serves.
 */
public final class Launcher {

    /** Phase names of the profile. */
    public static final String FORWARD = "forward";
    public static final String FREE = "free";
    public static final String CLAMPED = "clamped";
    public static final String NEGATIVE = "negative";
    public static final String STEP = "forward+free+clamped";
    /** A {@code fused_step} launch of symmetric nudging's step: forward pass, free, clamped and negative phases. */
    public static final String STEP_SYMMETRIC = "forward+free+clamped+negative";
    public static final String GRADIENT_UPDATE = "gradient+update";
    public static final String OTHER = "other";

    private final GpuDevice dev;
    private final EnumMap<Kernel, GpuKernel> kernels = new EnumMap<>(Kernel.class);
    private long launches;
    private long syncs;
    private boolean timing;
    private String phase = OTHER;
    private final List<Timed> timed = new ArrayList<>();
    private final Map<String, EngineProfile.Product> products = new LinkedHashMap<>();

    /** A timed launch: the phase it serves, its kernel and its flops (0: not a matrix product). */
    private record Timed(String phase, Kernel kernel, double flops, GpuDevice.TimedLaunch launch) {
    }

    Launcher(GpuDevice dev) {
        this.dev = dev;
    }

    GpuDevice device() {
        return dev;
    }

    /** Enqueues {@code args.kernel()} on a {@code groupsX x groupsY} grid of {@code localX x localY} work-groups. */
    void launch(KernelArgs args, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes) {
        launch(args, groupsX, groupsY, localX, localY, dynLocalBytes, 0);
    }

    /**
     * {@link #launch(KernelArgs, int, int, int, int, int)} of a matrix product of {@code flops} floating-point
     * operations ({@code 2 M N K}), which timing reports per kernel in {@link #drainProducts()}.
     */
    void launch(KernelArgs args, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes, double flops) {
        Kernel k = args.kernel();
        if (dynLocalBytes > 0 && !k.dynamicLocal()) {
            throw new IllegalArgumentException(k.id() + " declares no dynamic local memory; " + dynLocalBytes + " bytes given");
        }
        Object[] values = args.complete();
        GpuKernel handle = kernels.computeIfAbsent(k, kk -> dev.kernel(kk.id()));
        launches++;
        if (timing) {
            GpuDevice.TimedLaunch t = dev.launchTimed(handle, groupsX, groupsY, localX, localY, dynLocalBytes, values);
            if (t != null) {
                timed.add(new Timed(phase, k, flops, t));
            }
        } else {
            dev.launch(handle, groupsX, groupsY, localX, localY, dynLocalBytes, values);
        }
    }

    /** The phase the following launches are timed under. */
    void phase(String name) {
        phase = name;
    }

    /** Turns device timing on; whether the device has it. */
    boolean enableTiming() {
        finish();
        timing = dev.enableTiming();
        return timing;
    }

    long launches() {
        return launches;
    }

    long syncs() {
        return syncs;
    }

    /**
     * Device seconds per phase since the last call (empty without timing); waits for the launches. The matrix
     * products among them are kept for {@link #drainProducts()}.
     */
    Map<String, Double> drainTimes() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Timed e : timed) {
            try (GpuDevice.TimedLaunch t = e.launch()) {
                double s = t.nanos() / 1e9;
                out.merge(e.phase(), s, Double::sum);
                if (e.flops() > 0) {
                    products.merge(e.kernel().id(), new EngineProfile.Product(1, s, e.flops()), EngineProfile.Product::sum);
                }
            }
        }
        timed.clear();
        return out;
    }

    /** Per matrix-product kernel, its launches, device time and flops drained by {@link #drainTimes()} since the last call. */
    Map<String, EngineProfile.Product> drainProducts() {
        Map<String, EngineProfile.Product> out = Map.copyOf(products);
        products.clear();
        return out;
    }

    /** Floating-point operations of the product of an {@code m x k} and a {@code k x n} matrix: {@code 2 m n k}. */
    static double productFlops(long m, long n, long k) {
        return 2.0 * m * n * k;
    }

    void finish() {
        syncs++;
        dev.finish();
    }

    void copy(GpuBuffer src, long srcOffset, GpuBuffer dst, long dstOffset, long bytes) {
        dev.copy(src, srcOffset, dst, dstOffset, bytes);
    }

    void zero(GpuBuffer dst, long offset, long bytes) {
        dev.zero(dst, offset, bytes);
    }

    /** Writes {@code values} to {@code dst} from byte 0 (waits for the copy: one host synchronisation). */
    void writeFloats(GpuBuffer dst, float[] values) {
        write(dst, values.length, buf -> buf.asFloatBuffer().put(values));
    }

    /** Writes {@code values} to {@code dst} from byte 0 (waits for the copy: one host synchronisation). */
    void writeInts(GpuBuffer dst, int[] values) {
        write(dst, values.length, buf -> buf.asIntBuffer().put(values));
    }

    private void write(GpuBuffer dst, int words, Consumer<ByteBuffer> fill) {
        ByteBuffer buf = MemoryUtil.memAlloc(4 * Math.max(1, words));
        try {
            fill.accept(buf);
            buf.limit(4 * words);
            syncs++;
            dev.write(dst, 0, buf);
        } finally {
            MemoryUtil.memFree(buf);
        }
    }

    /**
     * Size of the host staging memory and device buffer of an asynchronous copy of {@code bytes}: a multiple of
     * 64 bytes. PoCL 5 corrupted the host heap on non-blocking writes of a few bytes (12 did, 64 did not).
     */
    static int asyncBytes(long bytes) {
        return (int) Math.max(64, (bytes + 63) / 64 * 64);
    }

    /**
     * {@link GpuDevice#writeAsync} of all of {@code src} (sized by {@link #asyncBytes}): {@code src} must stay
     * unchanged until the next read or {@link #finish()}.
     */
    void writeAsync(GpuBuffer dst, ByteBuffer src) {
        dev.writeAsync(dst, 0, src);
    }

    /** {@link #writeAsync(GpuBuffer, ByteBuffer)} to byte {@code offset} of {@code dst}; {@code src}'s size a multiple of 64. */
    void writeAsync(GpuBuffer dst, long offset, ByteBuffer src) {
        dev.writeAsync(dst, offset, src);
    }

    float[] readFloats(GpuBuffer src, int count) {
        float[] out = new float[count];
        read(src, count, buf -> buf.asFloatBuffer().get(out));
        return out;
    }

    int[] readInts(GpuBuffer src, int count) {
        int[] out = new int[count];
        read(src, count, buf -> buf.asIntBuffer().get(out));
        return out;
    }

    /** Reads {@code words} 4-byte words from {@code src} (waits: one host synchronisation) and hands them to {@code take}. */
    private void read(GpuBuffer src, int words, Consumer<ByteBuffer> take) {
        ByteBuffer buf = MemoryUtil.memAlloc(4 * Math.max(1, words));
        try {
            buf.limit(4 * words);
            syncs++;
            dev.read(src, 0, buf);
            buf.rewind();
            take.accept(buf);
        } finally {
            MemoryUtil.memFree(buf);
        }
    }

    /** Frees the events of timed launches not yet drained. */
    void closeTimers() {
        timed.forEach(e -> e.launch().close());
        timed.clear();
    }

    /** Work-groups of {@code size} covering {@code n} items (at least 1). */
    static int groups(int n, int size) {
        return Math.max(1, (n + size - 1) / size);
    }
}
