package liftnet.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Chooses an engine from a {@code --device} string: {@code cpu}, {@code opencl[:N]}, {@code cuda[:N]},
 * {@code gpu} (the highest-priority backend with a GPU device) or {@code auto} (a GPU if one works, else
 * the CPU).
 */
public final class Engines {

    private Engines() {
    }

    /** All providers on the class path, highest priority first. */
    public static List<EngineProvider> providers() {
        List<EngineProvider> list = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class, Engines.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(EngineProvider::priority).reversed());
        return list;
    }

    /** The provider with id {@code id}. */
    public static EngineProvider provider(String id) {
        for (EngineProvider p : providers()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new EngineException("no engine backend '" + id + "' on the class path");
    }

    /**
     * Opens an engine for {@code device}.
     *
     * @throws IllegalArgumentException for a malformed device string
     * @throws EngineException          when the requested device is not present; the message lists what was found
     */
    public static Engine open(String device, NetConfig config) {
        DeviceChoice choice = DeviceChoice.parse(device);
        return switch (choice.kind()) {
            case "cpu" -> provider("cpu").create(config, 0);
            case "auto" -> {
                EngineProvider gpu = firstGpu();
                yield gpu != null ? gpu.create(config, firstGpuIndex(gpu)) : provider("cpu").create(config, 0);
            }
            case "gpu" -> {
                EngineProvider gpu = firstGpu();
                if (gpu == null) {
                    throw new EngineException("--device gpu: no working GPU found. " + describeDevices()
                            + " Use --device cpu (or auto) on this machine.");
                }
                yield gpu.create(config, firstGpuIndex(gpu));
            }
            default -> {
                EngineProvider p = provider(choice.kind());
                List<DeviceInfo> devices = p.devices();
                if (devices.isEmpty() || choice.index() >= devices.size()) {
                    throw new EngineException("--device " + device + ": no such device. " + describeDevices()
                            + " Use --device cpu, or another index.");
                }
                yield p.create(config, choice.index());
            }
        };
    }

    /** One line per backend saying what devices it found, or why none. */
    public static String describeDevices() {
        StringBuilder sb = new StringBuilder("Found:");
        for (EngineProvider p : providers()) {
            List<DeviceInfo> devices = p.devices();
            sb.append(' ').append(p.id()).append(": ");
            if (devices.isEmpty()) {
                String why = p.probeProblem();
                sb.append("none").append(why == null ? "" : " (" + why + ")");
            } else {
                sb.append(devices);
            }
            sb.append(';');
        }
        return sb.toString();
    }

    private static EngineProvider firstGpu() {
        for (EngineProvider p : providers()) {
            if (firstGpuIndex(p) >= 0) {
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

    /** A parsed {@code --device} value. */
    public record DeviceChoice(String kind, int index) {

        public static DeviceChoice parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            String kind = t;
            int index = 0;
            int colon = t.indexOf(':');
            if (colon >= 0) {
                kind = t.substring(0, colon);
                try {
                    index = Integer.parseInt(t.substring(colon + 1));
                } catch (NumberFormatException e) {
                    index = -1;
                }
                if (index < 0 || !(kind.equals("opencl") || kind.equals("cuda"))) {
                    throw new IllegalArgumentException("unknown device '" + text
                            + "'; expected cpu, opencl[:N], cuda[:N], gpu or auto");
                }
            }
            if (!List.of("cpu", "opencl", "cuda", "gpu", "auto").contains(kind)) {
                throw new IllegalArgumentException("unknown device '" + text + "'; expected cpu, opencl[:N], cuda[:N], gpu or auto");
            }
            return new DeviceChoice(kind, index);
        }
    }
}
