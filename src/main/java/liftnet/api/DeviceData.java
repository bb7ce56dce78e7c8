package liftnet.api;

import liftnet.data.Dataset;

/** A data set uploaded to an engine once (to device memory on a GPU); batches index into it. */
public interface DeviceData extends AutoCloseable {

    /** The host copy it was made from. */
    Dataset dataset();

    /** Frees the device copy; logs instead of throwing. */
    @Override
    void close();
}
