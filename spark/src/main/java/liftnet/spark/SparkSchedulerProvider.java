package liftnet.spark;

import liftnet.sweep.SchedulerProvider;
import liftnet.sweep.SweepScheduler;

/** {@code sweep --spark MASTER}: registered in {@code META-INF/services/liftnet.sweep.SchedulerProvider}. */
public final class SparkSchedulerProvider implements SchedulerProvider {

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public SweepScheduler open(String master) {
        return new SparkScheduler(master, null);
    }

    @Override
    public SweepScheduler open(String master, java.nio.file.Path log) {
        return new SparkScheduler(master, log);
    }
}
