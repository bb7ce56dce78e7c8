package liftnet.cpu;

import liftnet.api.DeviceData;
import liftnet.api.EngineChecks;
import liftnet.data.Dataset;
import liftnet.solve.SparseInputs;

/**
 * A data set "uploaded" to a CPU engine: it stays in host memory, with its inputs also in sparse rows where the
 * engine reads them that way. {@code engine} is the class of engine that uploaded it; an engine of another class
 * refuses it, since it may lack what that engine needs (the sparse rows).
 *
 * @param sparse the inputs in sparse rows, or null for an engine that reads only the dense inputs
 */
record HostData(Dataset dataset, SparseInputs sparse, Class<?> engine) implements DeviceData {

    /**
     * {@code deviceData} as data uploaded by an engine of class {@code engine}, after checking that the batch
     * {@code order[from .. from + size)} lies in it ({@link EngineChecks#batch}).
     *
     * @throws IllegalArgumentException when another engine uploaded the data, or the batch is not valid
     */
    static HostData batch(DeviceData deviceData, Class<?> engine, int[] order, int from, int size) {
        if (!(deviceData instanceof HostData host) || host.engine != engine) {
            throw new IllegalArgumentException("data set " + deviceData.dataset().name()
                    + " was uploaded to another engine; upload it to this one with upload(dataset)");
        }
        EngineChecks.batch(host.dataset(), order, from, size);
        return host;
    }

    /** Nothing to free: the data set stays with its owner. */
    @Override
    public void close() {
    }
}
