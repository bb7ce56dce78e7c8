package liftnet.gpu;

import java.util.Locale;

/**
 * The kernel-fault debug switch: with {@code -Dliftnet.gpu.syncLaunches=true} (or the environment variable
 * {@code LIFTNET_SYNC_LAUNCHES=1}) every GPU device waits for each kernel right after launching it, so that a
 * fault (an illegal address, a launch that does not fit) is reported by the launch that caused it, with the
 * kernel's name, grid and block, instead of by a later, unrelated read. Slow: for diagnosis only. Read when a
 * device is opened.
 */
public final class SyncLaunches {

    /** The system property that turns the switch on ({@code true} or {@code 1}). */
    public static final String PROPERTY = "liftnet.gpu.syncLaunches";
    /** The environment variable that turns the switch on ({@code true} or {@code 1}). */
    public static final String ENV = "LIFTNET_SYNC_LAUNCHES";

    private SyncLaunches() {
    }

    /** Whether the switch is on, the system property taking precedence over the environment. */
    public static boolean enabled() {
        String v = System.getProperty(PROPERTY);
        if (v == null) {
            v = System.getenv(ENV);
        }
        return on(v);
    }

    /** Whether a setting's value means on: {@code true}, {@code 1} or {@code yes}, in any case. */
    public static boolean on(String value) {
        if (value == null) {
            return false;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        return v.equals("true") || v.equals("1") || v.equals("yes");
    }

    /** {@code kernel fused_solve (grid 50x1, block 64x1, 12345 bytes dynamic shared memory)}. */
    public static String describe(String kernel, int groupsX, int groupsY, int localX, int localY, int dynLocalBytes) {
        return "kernel " + kernel + " (grid " + groupsX + "x" + groupsY + ", block " + localX + "x" + localY + ", "
                + dynLocalBytes + " bytes dynamic shared memory)";
    }
}
