package liftnet.score;

/**
 * The per-sample scores of {@code score}. Energies are minima over the activations ({@link SampleScores}); the
 * forward-pass baselines read {@code z_L} of the forward pass {@code z_{k+1} = Proj_C(W_k z_k + b_k)}.
 */
public enum Score {
    /** {@code F(x) = min_z E(z; x)}, the free phase's minimum. */
    FREE_ENERGY("free_energy", true),
    /** {@code min_c min_{z_L = c} E(z; x)}: the lowest clamped energy over all labels {@code c}. */
    MIN_CLAMPED_ENERGY("min_clamped_energy", true),
    /** {@code min_{z_L = yhat} E(z; x) - F(x)} at the predicted label {@code yhat} (the model's prediction rule). */
    CLAMPED_GAP("clamped_gap", true),
    /** {@code max_j z_L[j]} of the forward pass; lower on OOD inputs. */
    MAX_OUTPUT("max_output", false),
    /** {@code log sum_j exp(z_L[j])} of the forward pass (the "energy score" of classifiers); lower on OOD inputs. */
    LOGSUMEXP_OUTPUT("logsumexp_output", false);

    private final String id;
    private final boolean oodWhenHigher;

    Score(String id, boolean oodWhenHigher) {
        this.id = id;
        this.oodWhenHigher = oodWhenHigher;
    }

    public String id() {
        return id;
    }

    /** Whether out-of-distribution inputs are expected to score higher (else lower). */
    public boolean oodWhenHigher() {
        return oodWhenHigher;
    }

    /** {@code values}, negated when OOD inputs score lower, so that higher always means "more OOD"; a new array. */
    public double[] oriented(double[] values) {
        double[] v = values.clone();
        if (!oodWhenHigher) {
            for (int i = 0; i < v.length; i++) {
                v[i] = -v[i];
            }
        }
        return v;
    }
}
