package liftnet.api;

import java.util.Locale;

/**
 * The convex set {@code C} that hidden activations live in. The output layer is always unconstrained.
 */
public enum Units {
    /** {@code C = R}: linear units. */
    LINEAR(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY),
    /** {@code C = [0, inf)}: ReLU, {@code Proj_C(a) = max(0, a)}. */
    RELU(0f, Float.POSITIVE_INFINITY),
    /** {@code C = [0, 1]}: hard sigmoid, {@code Proj_C(a) = min(1, max(0, a))}. */
    HARDSIGMOID(0f, 1f);

    private final float lower;
    private final float upper;

    Units(float lower, float upper) {
        this.lower = lower;
        this.upper = upper;
    }

    /** Lower bound of {@code C} (may be -inf). */
    public float lower() {
        return lower;
    }

    /** Upper bound of {@code C} (may be +inf). */
    public float upper() {
        return upper;
    }

    /** {@code Proj_C(a)}. */
    public float project(float a) {
        return Math.min(upper, Math.max(lower, a));
    }

    /** {@code Proj_C(a)} in double precision. */
    public double project(double a) {
        return Math.min(upper, Math.max(lower, a));
    }

    /** Whether {@code z} lies strictly inside {@code C}: the unit behaves linearly there. */
    public boolean strictlyInside(float z) {
        return z > lower && z < upper;
    }

    /** Derivative of {@code Proj_C} at pre-activation {@code a} (0 or 1, the convention at kinks being 0). */
    public float projectionSlope(float a) {
        return strictlyInside(a) ? 1f : 0f;
    }

    /** Lower-case name as used on the command line and in model files. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code relu}, {@code hardsigmoid} (also {@code hard-sigmoid}) or {@code linear}. */
    public static Units parse(String text) {
        String key = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return Ids.parse("units", text, key, values(), Units::id);
    }
}
