package liftnet.gpu;

import java.util.function.Consumer;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Parameters;
import liftnet.data.Dataset;
import liftnet.TestNets;

/** The CPU engine and a GPU engine of one parity case: the same parameters, the whole data set selected, forward done. */
record EnginePair(Engine cpu, Engine gpu) implements AutoCloseable {

    /** Gives both engines {@code p}, uploads {@code data}, selects all of it in order and runs the forward pass. */
    static EnginePair of(Engine cpu, Engine gpu, Parameters p, Dataset data) {
        EnginePair pair = new EnginePair(cpu, gpu);
        pair.both(e -> {
            e.setParameters(p);
            DeviceData d = e.upload(data);
            e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
            e.forward();
        });
        return pair;
    }

    void both(Consumer<Engine> action) {
        action.accept(cpu);
        action.accept(gpu);
    }

    @Override
    public void close() {
        cpu.close();
        gpu.close();
    }
}
