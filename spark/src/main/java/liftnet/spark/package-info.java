/**
 * Sweeps on Apache Spark: {@link liftnet.spark.SparkScheduler} runs each run of a sweep as one Spark task with the
 * train command's code, found by the core's {@code sweep --spark MASTER} through {@link java.util.ServiceLoader}.
 * This module is built apart from the core (spark/pom.xml), so that the core jar does not carry Spark.
 */
package liftnet.spark;
