/**
 * Research programs behind figures in {@code results/}: each prints a table that a results page quotes, and says in
 * its javadoc which page and how to run it. Not benchmarks (JMH's are in {@code liftnet.bench}) and not tests (the
 * properties they measure are asserted by tests of the core). Built into {@code bench/target/benchmarks.jar} by
 * {@code mvn -B -q -f bench/reactor.xml -DskipTests package}; run with
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar liftnet.research.NAME ARGS}.
 */
package liftnet.research;
