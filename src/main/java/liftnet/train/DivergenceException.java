package liftnet.train;

/** Training produced a NaN or an infinity; the parameters of the last finished epoch are still good. */
public class DivergenceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final long batch;

    public DivergenceException(int epoch, long batch, double learningRate) {
        super("training diverged in epoch " + epoch + ", batch " + (batch + 1)
                + ": the gradient held NaN or infinity at --lr " + learningRate
                + "; lower --lr (e.g. to " + (learningRate / 10) + ") or resume from the last good checkpoint");
        this.epoch = epoch;
        this.batch = batch;
    }

    /** A divergence with its own message (e.g. {@link NudgeBoundException}). */
    protected DivergenceException(String message, int epoch, long batch) {
        super(message);
        this.epoch = epoch;
        this.batch = batch;
    }

    public int epoch() {
        return epoch;
    }

    /** 0-based batch index within the epoch. */
    public long batch() {
        return batch;
    }
}
