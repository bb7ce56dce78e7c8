package liftnet.gpu;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import liftnet.api.DeviceInfo;
import liftnet.api.EngineException;

/**
 * The devices of one GPU backend, probed once per JVM on first use: a list in index order, or none and why. The
 * backend's runtime class supplies the probe (its native calls); this class keeps the result, hands out a device by
 * index or says why it cannot ({@link #device}), and prints the list for the runtime's diagnostic {@code main}.
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

    private final String api;
    private final Supplier<Result<D>> probe;
    private final Function<D, DeviceInfo> info;
    private Result<D> result;

    /**
     * @param api   the API's name in messages, e.g. {@code CUDA}
     * @param probe lists the devices; runs once, when they or the problem are first asked for, and must not throw
     * @param info  what a device is
     */
    public DeviceProbe(String api, Supplier<Result<D>> probe, Function<D, DeviceInfo> info) {
        this.api = api;
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

    /**
     * Device {@code index} of {@link #devices()}.
     *
     * @throws EngineException {@code no API device INDEX; found N: [...]}, or with none found {@code (problem)}
     */
    public D device(int index) {
        List<D> list = devices();
        if (index < 0 || index >= list.size()) {
            throw new EngineException("no " + api + " device " + index + "; found " + list.size()
                    + (list.isEmpty() ? " (" + problem() + ")" : ": " + list));
        }
        return list.get(index);
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
     */
    public void print() {
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
     * @param api     e.g. {@code CUDA}
     * @param library the library the probe used, e.g. {@code libcuda.so.1}
     * @param t       what the probe threw: {@code UnsatisfiedLinkError} or {@code ExceptionInInitializerError} when the library
     *                is missing, an {@link EngineException} from a failed call otherwise
     */
    public static String unusable(String api, Object library, Throwable t) {
        String why = t.getMessage() == null ? t.toString() : t.getMessage();
        return api + " unavailable: cannot use " + library + " (" + t.getClass().getSimpleName() + ": " + why.strip() + ")";
    }
}
