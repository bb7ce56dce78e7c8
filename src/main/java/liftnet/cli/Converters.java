package liftnet.cli;

import liftnet.api.EngineSwitches;
import liftnet.api.Engines;
import liftnet.api.Method;
import liftnet.api.NetSpec;
import liftnet.api.Solver;
import liftnet.api.Units;
import liftnet.data.DatasetId;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for liftnet's option types. Each delegates to the type's own {@code parse}, whose message
 * names the bad value and the valid ones, and rethrows it as a {@link TypeConversionException} so that picocli
 * reports {@code Invalid value for option '--units': unknown units 'foo'; expected one of ...}.
 */
final class Converters {

    private Converters() {
    }

    /** A number such as {@code 0.05} or {@code 1e-9}; anything else is {@code 'abc' is not a number}. */
    static Double number(String value) {
        try {
            return Double.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number");
        }
    }

    /** A whole number such as {@code 50}; anything else is {@code 'x' is not a whole number}. */
    static Integer wholeNumber(String value) {
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
    }

    /** A whole number such as {@code 42} (a seed); anything else is {@code 'x' is not a whole number}. */
    static Long wholeLong(String value) {
        try {
            return Long.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
    }

    static final class Net implements ITypeConverter<NetSpec> {
        @Override
        public NetSpec convert(String value) {
            try {
                return NetSpec.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class GpuStep implements ITypeConverter<EngineSwitches.Step> {
        @Override
        public EngineSwitches.Step convert(String value) {
            try {
                return EngineSwitches.parseStep(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class GpuGemm implements ITypeConverter<EngineSwitches.Gemm> {
        @Override
        public EngineSwitches.Gemm convert(String value) {
            try {
                return EngineSwitches.parseGemm(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class GpuConv implements ITypeConverter<EngineSwitches.Conv> {
        @Override
        public EngineSwitches.Conv convert(String value) {
            try {
                return EngineSwitches.parseConv(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code on} or {@code off}, in any case, as one of them (a String: picocli turns a boolean option into a flag). */
    static final class GpuGraphs implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return EngineSwitches.parseGraphs(value) ? "on" : "off";
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class UnitsConverter implements ITypeConverter<Units> {
        @Override
        public Units convert(String value) {
            try {
                return Units.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class MethodConverter implements ITypeConverter<Method> {
        @Override
        public Method convert(String value) {
            try {
                return Method.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class SolverConverter implements ITypeConverter<Solver> {
        @Override
        public Solver convert(String value) {
            try {
                return Solver.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Dataset implements ITypeConverter<DatasetId> {
        @Override
        public DatasetId convert(String value) {
            try {
                return DatasetId.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Checks the form of a {@code --device} value and keeps it as text: cpu, opencl[:N], cuda[:N], gpu, auto. */
    static final class Device implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                Engines.DeviceChoice.parse(value);
                return value.trim().toLowerCase(java.util.Locale.ROOT);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * Refuses an image file whose name says another format than PNG, the only one written (a {@code .jpg} holding PNG
     * bytes opens nowhere that trusts the name); a name without an extension is taken as it is.
     *
     * @param option the option that named {@code file}, for the message
     */
    static void requirePng(picocli.CommandLine cli, String option, java.nio.file.Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot > 0 && !name.substring(dot + 1).equalsIgnoreCase("png")) {
            throw Errors.usage(cli, option + " " + file + ": the image is written as PNG, not " + name.substring(dot + 1)
                    + "; name it " + name.substring(0, dot) + ".png");
        }
    }
}
