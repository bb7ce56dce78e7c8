package liftnet.data;

/**
 * A data file is missing, truncated, corrupt or not the expected file. Unchecked: the caller can do nothing
 * but report it. The message is one line that names the file, the problem and the fix, e.g.
 * {@code data/mnist/train-images-idx3-ubyte: truncated: ...; delete it and run scripts/fetch-data.sh mnist}.
 */
public class DataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
