package liftnet.gpu;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import liftnet.api.DeviceInfo;

/**
 * The devices of one GPU backend, probed once per JVM on first use: a list in index order, or none and why. The
 * backend's runtime class supplies the probe (its native calls); this class keeps the result and prints it for the
 * runtime's diagnostic {@code main}.
 *
 * @param <D> what the backend keeps per device: its {@link DeviceInfo}, or native handles with one
 */
public final class DeviceProbe<D> {

    /**
     * What a probe found.
     *
     * @param devices the devices in index order; empty when there are none
     * @param problem why {@code devices} is empty, or {@code null}
     */
    public record Result<D>(List<D> devices, String problem) {

        /** Devices found (an unmodifiable copy of {@code devices}); use {@link #none(String)} for an empty list. */
        public static <D> Result<D> found(List<D> devices) {
            return new Result<>(List.copyOf(devices), null);
        }

        /** No device, because of {@code problem}. */
        public static <D> Result<D> none(String problem) {
            return new Result<>(List.of(), problem);
        }
    }

    private final Supplier<Result<D>> probe;
    private final Function<D, DeviceInfo> info;
    private Result<D> result;

    /**
     * @param probe lists the devices; runs once, on the first call of {@link #devices()}, {@link #infos()} or
     *              {@link #problem()}, and must not throw
     * @param info  what a device is
     */
    public DeviceProbe(Supplier<Result<D>> probe, Function<D, DeviceInfo> info) {
        this.probe = probe;
        this.info = info;
    }

    /** All devices of the backend; empty without runtime library, driver or device. */
    public synchronized List<D> devices() {
        return result().devices();
    }

    /** What each device of {@link #devices()} is, in the same order. */
    public List<DeviceInfo> infos() {
        return devices().stream().map(info).toList();
    }

    /** Why {@link #devices()} is empty, or {@code null}. */
    public synchronized String problem() {
        return result().problem();
    }

    private Result<D> result() {
        if (result == null) {
            result = probe.get();
        }
        return result;
    }

    /**
     * The runtime's diagnostic {@code main}: prints the devices one per line, or {@code no API device: problem} and exits
     * with status 1.
     *
     * @param api the API's name in the message, e.g. {@code CUDA}
     */
    public void print(String api) {
        var list = infos();
        if (list.isEmpty()) {
            System.out.println("no " + api + " device: " + problem());
            System.exit(1);
        }
        list.forEach(d -> System.out.println(d));
    }

    /**
     * Why a probe that threw found no device: {@code API unavailable: cannot use LIBRARY (ExceptionClass: message)}.
     *
     * @param t what the probe threw: {@code UnsatisfiedLinkError} or {@code ExceptionInInitializerError} when the library
     *          is missing, an {@link liftnet.api.EngineException} from a failed call otherwise
     */
    public static String unusable(String api, Object library, Throwable t) {
        String why = t.getMessage() == null ? t.toString() : t.getMessage();
        return api + " unavailable: cannot use " + library + " (" + t.getClass().getSimpleName() + ": " + why.strip() + ")";
    }
}
