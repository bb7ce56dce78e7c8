package liftnet.cli;

import java.io.PrintStream;
import liftnet.api.Engine;
import liftnet.api.EngineException;
import liftnet.api.EngineSwitches;
import liftnet.api.Engines;
import liftnet.api.NetConfig;

/** Opens the engine a {@code --device} value names and says on stderr which one it is. */
final class Devices {

    private Devices() {
    }

    /**
     * Opens an engine through {@link Engines}: {@code auto} a GPU if one works, else the CPU backend; anything else
     * that device, or an {@link EngineException} after the devices found are listed on {@code err}, one a line.
     *
     * @param threads CPU threads of a host backend
     */
    static Engine open(String device, NetConfig config, int threads, PrintStream err) {
        return open(device, config, threads, EngineSwitches.defaults(), err);
    }

    /** {@link #open(String, NetConfig, int, PrintStream)} with the GPU engines' {@code switches}. */
    static Engine open(String device, NetConfig config, int threads, EngineSwitches switches, PrintStream err) {
        String kind = Engines.DeviceChoice.parse(device).kind();
        if (kind.equals(Engines.AUTO)) {
            if (!Engines.anyGpu()) {
                return announce(Engines.hostProvider().create(config, 0, threads), true, " (auto: no GPU found)", err);
            }
            try {
                return announce(Engines.open(Engines.GPU, config, threads, switches), false, " (auto)", err);
            } catch (EngineException e) {
                return announce(Engines.hostProvider().create(config, 0, threads), true,
                        " (auto: the GPU failed: " + Errors.oneLine(e.getMessage()) + ")", err);
            }
        }
        try {
            return announce(Engines.open(device, config, threads, switches), kind.equals(Engines.hostProvider().id()), "", err);
        } catch (EngineException e) {
            err.println("devices found:");
            Engines.deviceList().forEach(line -> err.println("  " + line));
            throw e;
        }
    }

    /** The JDK major version below which the Vector API code of the CPU engine runs markedly slower. */
    static final int FAST_VECTOR_JDK = 25;

    private static Engine announce(Engine engine, boolean host, String note, PrintStream err) {
        err.println("device: " + engine.name() + " on " + jdk() + note);
        if (host && Runtime.version().feature() < FAST_VECTOR_JDK) {
            err.println("note: the CPU engine's Vector API code runs about 2.5x slower on JDK " + Runtime.version().feature()
                    + " than on JDK " + FAST_VECTOR_JDK + " (24k against 60k samples/s measured on 2 cores); run.sh uses"
                    + " /usr/lib/jvm/temurin-25* when present, or set LIFTNET_JAVA to a JDK 25 java");
        }
        return engine;
    }

    /** The running JDK, e.g. {@code JDK 25.0.1 (Eclipse Adoptium)}. */
    static String jdk() {
        return "JDK " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")";
    }
}
