package liftnet.cli;

import java.io.PrintStream;
import liftnet.api.Engine;
import liftnet.api.EngineException;
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
        if (Engines.DeviceChoice.parse(device).kind().equals(Engines.AUTO)) {
            if (!Engines.anyGpu()) {
                return announce(Engines.hostProvider().create(config, 0, threads), " (auto: no GPU found)", err);
            }
            try {
                return announce(Engines.open(Engines.GPU, config, threads), " (auto)", err);
            } catch (EngineException e) {
                return announce(Engines.hostProvider().create(config, 0, threads),
                        " (auto: the GPU failed: " + Errors.oneLine(e.getMessage()) + ")", err);
            }
        }
        try {
            return announce(Engines.open(device, config, threads), "", err);
        } catch (EngineException e) {
            err.println("devices found:");
            Engines.deviceList().forEach(line -> err.println("  " + line));
            throw e;
        }
    }

    private static Engine announce(Engine engine, String note, PrintStream err) {
        err.println("device: " + engine.name() + note);
        return engine;
    }
}
