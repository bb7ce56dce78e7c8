package liftnet.gpu;

import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of one launch of a {@link Kernel}, checked against its signature as they are added (type at each
 * position) and before the launch (count), the same for OpenCL and CUDA.
 */
public final class KernelArgs {

    private final Kernel kernel;
    private final List<Object> values = new ArrayList<>();

    KernelArgs(Kernel kernel) {
        this.kernel = kernel;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** Appends a buffer argument. */
    public KernelArgs b(GpuBuffer v) {
        return add('b', "a buffer", v);
    }

    /** Appends an int argument. */
    public KernelArgs i(int v) {
        return add('i', "an int", v);
    }

    /** Appends a float argument. */
    public KernelArgs f(float v) {
        return add('f', "a float", v);
    }

    private KernelArgs add(char type, String what, Object v) {
        int at = values.size();
        String sig = kernel.signature();
        if (at >= sig.length()) {
            throw new IllegalArgumentException(kernel.id() + " takes " + sig.length() + " arguments; argument " + at + " is one too many");
        }
        if (sig.charAt(at) != type) {
            throw new IllegalArgumentException(kernel.id() + " argument " + at + " is " + describe(sig.charAt(at)) + "; found " + what);
        }
        if (v == null) {
            throw new IllegalArgumentException(kernel.id() + " argument " + at + " is null");
        }
        values.add(v);
        return this;
    }

    /** The arguments, after checking that all are given. */
    Object[] complete() {
        if (values.size() != kernel.signature().length()) {
            throw new IllegalArgumentException(kernel.id() + " takes " + kernel.signature().length() + " arguments; "
                    + values.size() + " given");
        }
        return values.toArray();
    }

    private static String describe(char c) {
        return switch (c) {
            case 'b' -> "a buffer";
            case 'i' -> "an int";
            case 'f' -> "a float";
            default -> "'" + c + "'";
        };
    }
}
