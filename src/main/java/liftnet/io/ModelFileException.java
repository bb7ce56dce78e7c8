package liftnet.io;

import java.nio.file.Path;

/**
 * A file that is not a valid safetensors or model file: truncated, malformed header, tensors out of range,
 * missing or misshaped tensors, missing metadata. The message is one line naming the file and the problem.
 * I/O failures (missing file, no permission) are {@link java.io.IOException}s instead.
 */
public class ModelFileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ModelFileException(String message) {
        super(message);
    }

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code "<file>: <problem>"}. */
    static ModelFileException of(Path file, String problem) {
        return new ModelFileException(file + ": " + problem);
    }

    /** {@code "<file>: <problem>"}, keeping the cause. */
    static ModelFileException of(Path file, String problem, Throwable cause) {
        return new ModelFileException(file + ": " + problem, cause);
    }
}
