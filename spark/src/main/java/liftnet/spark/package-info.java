/**
 * Sweeps on Apache Spark: {@link liftnet.spark.SparkScheduler} runs each run of a sweep as one Spark task with the
 * train command's code, found by the core's {@code sweep --spark MASTER} through {@link java.util.ServiceLoader}.
 * Its sweep folder is on any Hadoop file system ({@link liftnet.spark.HadoopFolder}, the tasks' side;
 * {@link liftnet.spark.HadoopStorage}, the driver's). This module is built apart from the core (spark/pom.xml), so that
 * the core jar does not carry Spark.
 */
package liftnet.spark;
