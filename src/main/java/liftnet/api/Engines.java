package liftnet.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Chooses an engine from a {@code --device} string. The backends are the {@link EngineProvider}s that
 * {@link ServiceLoader} finds, named by their {@link EngineProvider#id()}; nothing here knows their names. A
 * device string is a backend id with an optional device index ({@code ID[:N]}), {@code gpu} (the
 * highest-priority backend with a GPU device) or {@code auto} (a GPU whose backend runs the net's layers, if one
 * works, else the CPU backend: the highest-priority backend that does not drive a GPU).
 */
public final class Engines {

    /** Device keywords that are not backend ids. */
    public static final String GPU = "gpu";
    public static final String AUTO = "auto";

    private Engines() {
    }

    /** All providers on the class path, highest priority first. */
    public static List<EngineProvider> providers() {
        List<EngineProvider> list = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class, Engines.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(EngineProvider::priority).reversed());
        return list;
    }

    /**
     * The provider with id {@code id}.
     *
     * @throws EngineException when no backend has that id
     */
    public static EngineProvider provider(String id) {
        for (EngineProvider p : providers()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new EngineException("no engine backend '" + id + "' on the class path; it has " + ids());
    }

    /** The backend {@code auto} falls back to: the highest-priority one that does not drive a GPU. */
    public static EngineProvider hostProvider() {
        for (EngineProvider p : providers()) {
            if (!p.isGpu()) {
                return p;
            }
        }
        throw new EngineException("no CPU engine backend on the class path; it has " + ids());
    }

    /** The valid {@code --device} values, lowest priority first, e.g. {@code cpu, opencl[:N], cuda[:N], gpu or auto}. */
    public static String deviceSyntax() {
        List<String> forms = new ArrayList<>();
        for (EngineProvider p : providers()) {
            forms.add(0, p.isGpu() ? p.id() + "[:N]" : p.id());
        }
        forms.add(GPU);
        return String.join(", ", forms) + " or " + AUTO;
    }

    private static String ids() {
        return providers().stream().map(EngineProvider::id).collect(Collectors.joining(", "));
    }

    /** {@link #open(String, NetConfig, int)} on all processors. */
    public static Engine open(String device, NetConfig config) {
        return open(device, config, 0);
    }

    /**
     * Opens an engine for {@code device}.
     *
     * @param threads CPU threads for backends that compute on the host; 0: all processors
     * @throws IllegalArgumentException for a malformed device string
     * @throws EngineException          when the requested device is not present; the message says what is missing
     *                                  ({@link #deviceList()} lists what was found)
     */
    public static Engine open(String device, NetConfig config, int threads) {
        return open(device, config, threads, EngineSwitches.defaults());
    }

    /** {@link #open(String, NetConfig, int)} with the backend {@code switches} of the command line. */
    public static Engine open(String device, NetConfig config, int threads, EngineSwitches switches) {
        DeviceChoice choice = DeviceChoice.parse(device);
        return switch (choice.kind()) {
            case AUTO -> {
                // a net some GPU backend cannot run (e.g. convolutions) goes to the host without probing that backend
                EngineProvider gpu = firstGpu(config.net());
                yield gpu != null ? gpu.create(config, firstGpuIndex(gpu), threads, switches) : hostProvider().create(config, 0, threads, switches);
            }
            case GPU -> {
                EngineProvider gpu = firstGpu();
                if (gpu == null) {
                    throw new EngineException("--device gpu: no GPU found; use --device cpu (or auto) on this machine");
                }
                yield gpu.create(config, firstGpuIndex(gpu), threads, switches);
            }
            default -> {
                EngineProvider p = provider(choice.kind());
                List<DeviceInfo> devices = p.devices();
                if (devices.isEmpty()) {
                    String why = p.probeProblem();
                    throw new EngineException("--device " + device + ": this machine has no " + p.id() + " device"
                            + (why == null ? "" : " (" + why + ")") + "; use --device cpu or auto");
                }
                if (choice.index() >= devices.size()) {
                    String valid = devices.size() == 1 ? "1 device, " + p.id() + ":0"
                            : devices.size() + " devices, " + p.id() + ":0 to " + p.id() + ":" + (devices.size() - 1);
                    throw new EngineException("--device " + device + ": " + p.id() + " has " + valid
                            + "; use one of them, or use --device cpu");
                }
                yield p.create(config, choice.index(), threads, switches);
            }
        };
    }

    /**
     * What every backend found, one line each: a device ({@code opencl:0 pthread-AMD EPYC (PoCL ...)}, labelled
     * when it computes on the CPU although its backend drives GPUs), or a backend with none and why.
     */
    public static List<String> deviceList() {
        List<String> lines = new ArrayList<>();
        for (EngineProvider p : providers()) {
            List<DeviceInfo> devices = p.devices();
            if (devices.isEmpty()) {
                String why = p.probeProblem();
                lines.add(p.id() + ": none" + (why == null ? "" : " (" + why + ")"));
            }
            for (DeviceInfo d : devices) {
                String label = d.gpu() ? "a GPU" : p.isGpu() ? p.id() + " on the CPU, not a GPU" : "the CPU";
                lines.add(d.backend() + ":" + d.index() + " " + d.name() + " (" + d.platform() + "): " + label);
            }
        }
        return lines;
    }

    private static EngineProvider firstGpu() {
        return firstGpu(null);
    }

    /** The first backend with a GPU device whose capabilities run {@code net}'s layers ({@code null}: any net). */
    private static EngineProvider firstGpu(NetSpec net) {
        for (EngineProvider p : providers()) {
            if (p.isGpu() && (net == null || p.capabilities().missingLayers(net) == null) && firstGpuIndex(p) >= 0) {
                return p;
            }
        }
        return null;
    }

    private static int firstGpuIndex(EngineProvider p) {
        List<DeviceInfo> devices = p.devices();
        for (int i = 0; i < devices.size(); i++) {
            if (devices.get(i).gpu()) {
                return i;
            }
        }
        return -1;
    }

    /** Whether some backend reports a GPU device. */
    public static boolean anyGpu() {
        return firstGpu() != null;
    }

    /**
     * A parsed {@code --device} value: {@code kind} is a backend id, {@link #GPU} or {@link #AUTO}; {@code index}
     * the device index within the backend (0 unless given).
     */
    public record DeviceChoice(String kind, int index) {

        /**
         * Parses {@code ID[:N]}, {@code gpu} or {@code auto}, where {@code ID} is the id of a backend on the class
         * path.
         *
         * @throws IllegalArgumentException naming the valid values
         */
        public static DeviceChoice parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            int colon = t.indexOf(':');
            String kind = colon >= 0 ? t.substring(0, colon) : t;
            int index = 0;
            if (colon >= 0) {
                try {
                    index = Integer.parseInt(t.substring(colon + 1));
                } catch (NumberFormatException e) {
                    index = -1;
                }
            }
            boolean keyword = kind.equals(GPU) || kind.equals(AUTO);
            boolean backend = !keyword && providers().stream().anyMatch(p -> p.id().equals(kind));
            if (!(keyword || backend) || index < 0 || (colon >= 0 && keyword)) {
                throw new IllegalArgumentException("unknown device '" + text + "'; expected " + deviceSyntax());
            }
            return new DeviceChoice(kind, index);
        }
    }
}
