/** The pure-Java CPU engine: batched solvers from {@code liftnet.solve} on long-lived worker threads. */
package liftnet.cpu;
