/**
 * Measuring programs of the GPU check ({@code scripts/gpu-check.sh}): {@link liftnet.check.Throughput} times the
 * contrastive training step of every engine side by side on one machine. They ship in the application jar, so that a
 * GPU machine needs nothing else to run them; their tests are in {@code src/test/java/liftnet/check}.
 */
package liftnet.check;
