package liftnet.api;

/** A backend failed: no device, a kernel build error (with its log), out of memory, a lost device. */
public class EngineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
