package liftnet.train;

/**
 * A run folder cannot be used as asked: it already holds a run, or its {@code config.json}, model or metrics
 * are missing, invalid or inconsistent. The message says which file, what is wrong and what to do.
 */
public class RunFolderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RunFolderException(String message) {
        super(message);
    }
}
