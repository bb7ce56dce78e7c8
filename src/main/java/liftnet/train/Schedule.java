package liftnet.train;

import java.util.Locale;
import liftnet.api.Ids;

/**
 * Learning-rate schedule after warm-up: a factor on every layer's rate as a function of training progress,
 * validated once. With {@code t} the epochs finished after warm-up (fractional within an epoch) and {@code T}
 * the epochs after warm-up:
 * <ul>
 * <li>constant: 1 (the paper's);</li>
 * <li>step: {@code factor^floor(e / every)}, {@code e} the whole epochs finished after warm-up;</li>
 * <li>cosine: {@code floor + (1 - floor) (1 + cos(pi min(t, T) / T)) / 2}, updated every batch; {@code T} is
 * {@code horizon} when it is set (a run extended by {@code --resume DIR --epochs N} keeps its first horizon, so the
 * rate stays at {@code floor} over the added epochs).</li>
 * </ul>
 *
 * @param kind   the shape
 * @param every  step: epochs between drops, at least 1
 * @param factor step: factor per drop, in (0, 1]
 * @param floor  cosine: the final factor, in [0, 1]
 * @param horizon cosine: the epochs after warm-up over which the rate falls, or 0 for all of the run's
 */
public record Schedule(Kind kind, int every, double factor, double floor, int horizon) {

    public enum Kind {
        CONSTANT, STEP, COSINE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String text) {
            return Ids.parse("schedule", text, values(), Kind::id);
        }
    }

    public Schedule {
        if (kind == null) {
            throw new IllegalArgumentException("schedule kind is required");
        }
        if (every < 1) {
            throw new IllegalArgumentException("step schedule: epochs between drops must be >= 1; found " + every);
        }
        if (!(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("step schedule: factor must be in (0, 1], e.g. 0.1; found " + factor);
        }
        if (!(floor >= 0 && floor <= 1)) {
            throw new IllegalArgumentException("cosine schedule: floor must be in [0, 1], e.g. 0; found " + floor);
        }
        if (horizon < 0) {
            throw new IllegalArgumentException("cosine schedule: horizon must be at least 0 (0: the whole run); found " + horizon);
        }
    }

    /** A schedule over the whole run (no separate horizon). */
    public Schedule(Kind kind, int every, double factor, double floor) {
        this(kind, every, factor, floor, 0);
    }

    /** This schedule with the cosine's horizon fixed at {@code epochs} after warm-up. */
    public Schedule withHorizon(int epochs) {
        return new Schedule(kind, every, factor, floor, epochs);
    }

    /** The paper's constant rate. */
    public static Schedule constant() {
        return new Schedule(Kind.CONSTANT, 1, 1, 0);
    }

    /**
     * The factor at a point of training after warm-up.
     *
     * @param epochsDone whole epochs finished after warm-up, {@code >= 0}
     * @param fraction   share of the current epoch done, in [0, 1)
     * @param total      epochs after warm-up, at least 1
     */
    public double factor(int epochsDone, double fraction, int total) {
        return switch (kind) {
            case CONSTANT -> 1;
            case STEP -> Math.pow(factor, epochsDone / every);
            case COSINE -> {
                double t = Math.min(1, (epochsDone + fraction) / Math.max(1, horizon > 0 ? horizon : total));
                yield floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * t));
            }
        };
    }
}
