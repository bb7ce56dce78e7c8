/**
 * The pure-Java CPU engine: batched solvers from {@code liftnet.solve} on long-lived worker threads; nets with
 * convolutions run on {@link liftnet.cpu.CpuConvEngine}, which the {@code cpu} provider picks for them.
 */
package liftnet.cpu;
