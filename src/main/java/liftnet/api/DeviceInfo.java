package liftnet.api;

/**
 * One device a backend can run on.
 *
 * @param backend  backend id
 * @param index    index within the backend
 * @param name     device name as the driver reports it
 * @param platform platform or driver description
 * @param gpu      whether it is a GPU
 */
public record DeviceInfo(String backend, int index, String name, String platform, boolean gpu) {

    @Override
    public String toString() {
        return backend + ":" + index + " " + name + " (" + platform + (gpu ? ", gpu" : ", cpu") + ")";
    }
}
