package liftnet.api;

import java.util.Locale;

/** Activation solver for the free and clamped problems. */
public enum Solver {
    /** The paper's coordinate descent: layers bottom-up, units one at a time, exact minimisation per unit. */
    GAUSS_SEIDEL,
    /**
     * Layer-parallel Jacobi in red-black order: all units of the odd hidden layers at once, then the even
     * ones, each step followed by an exact line search along the Jacobi direction so that the energy never
     * increases. The form the GPU engines run.
     */
    JACOBI;

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Solver parse(String text) {
        String key = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (key) {
            case "gauss-seidel", "gs", "gaussseidel" -> GAUSS_SEIDEL;
            case "jacobi", "red-black", "redblack" -> JACOBI;
            default -> throw new IllegalArgumentException("unknown solver '" + text + "'; expected gauss-seidel or jacobi");
        };
    }
}
