package liftnet.spark;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/**
 * Sends Spark's logging, and that of the libraries it logs through (netty's {@code Connection reset} when a worker is
 * killed, Hadoop's), to a file instead of the terminal: the sweep prints its own one-line progress and errors, and the
 * file holds Spark's account of them. Warnings and errors only, as {@code log4j2.properties} does for the terminal.
 */
final class SparkLogging {

    private SparkLogging() {
    }

    /** Replaces log4j's configuration with one that appends to {@code log}. */
    static void toFile(Path log) {
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setConfigurationName("liftnet sweep");
        b.add(b.newAppender("file", "File").addAttribute("fileName", log.toString()).addAttribute("append", true)
                .add(b.newLayout("PatternLayout").addAttribute("pattern", "%d{ISO8601} %p %c{1}: %m%n")));
        b.add(b.newLogger("org.apache.hadoop.util.NativeCodeLoader", Level.ERROR));
        b.add(b.newLogger("org.apache.spark.util.Utils", Level.ERROR));
        b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef("file")));
        Configurator.reconfigure(b.build());
    }
}
