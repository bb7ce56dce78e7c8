package liftnet.gpu;

import liftnet.api.EngineException;

/** A kernel program failed to compile; the message carries the compiler's build log. */
public class KernelBuildException extends EngineException {

    private static final long serialVersionUID = 1L;

    private final String buildLog;

    /**
     * @param what     what was built, e.g. {@code OpenCL program on pthread-skylake (PoCL)}
     * @param status   the compiler's status, e.g. {@code CL_BUILD_PROGRAM_FAILURE (-11)}
     * @param buildLog the compiler's log, as it reported it
     */
    public KernelBuildException(String what, String status, String buildLog) {
        super("kernel build failed: " + what + ": " + status + "\n--- build log ---\n"
                + (buildLog == null || buildLog.isBlank() ? "(empty)" : buildLog.strip()) + "\n--- end of build log ---");
        this.buildLog = buildLog == null ? "" : buildLog;
    }

    /** The compiler's log. */
    public String buildLog() {
        return buildLog;
    }
}
