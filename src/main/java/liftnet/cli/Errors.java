package liftnet.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import liftnet.api.EngineException;
import liftnet.data.DataException;
import liftnet.io.ModelFileException;
import liftnet.train.DivergenceException;
import liftnet.train.RunFolderException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The one place where failures become messages and exit statuses. Every message is a single line on stderr,
 * {@code error: <problem>; <fix>}, without a stack trace (set the environment variable {@code LIFTNET_DEBUG}
 * to get one for unexpected errors).
 *
 * <table>
 *   <caption>Exit statuses</caption>
 *   <tr><td>{@value #OK}</td><td>success</td></tr>
 *   <tr><td>{@value #FAILURE}</td><td>missing or corrupt data, bad model file, no such device, I/O error</td></tr>
 *   <tr><td>{@value #USAGE}</td><td>usage error: unknown or malformed option, inconsistent settings</td></tr>
 *   <tr><td>{@value #DIVERGED}</td><td>training diverged (the last good checkpoint is kept)</td></tr>
 *   <tr><td>{@value #INTERRUPTED}</td><td>stopped by Ctrl-C (the last finished epoch is kept)</td></tr>
 * </table>
 */
final class Errors implements IParameterExceptionHandler, IExecutionExceptionHandler {

    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;
    static final int DIVERGED = 3;
    static final int INTERRUPTED = 130;

    private final PrintStream err;

    Errors(PrintStream err) {
        this.err = err;
    }

    /** A failure the commands detect themselves, with the message to show and the exit status. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        Failure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    /** A usage error found after parsing, e.g. a net that does not fit the data set; exit {@value #USAGE}. */
    static ParameterException usage(CommandLine cli, String message) {
        return new ParameterException(cli, message);
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cli = ex.getCommandLine();
        String name = cli.getCommandSpec().qualifiedName();
        String message = oneLine(ex.getMessage());
        String hint = "see " + name + " --help";
        if (ex instanceof CommandLine.UnmatchedArgumentException u && u.isUnknownOption()) {
            String option = u.getUnmatched().get(0);
            List<String> suggestions = u.getSuggestions();
            message = "unknown option '" + option + "'" + (suggestions.isEmpty() ? ""
                    : "; did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size()))) + "?");
        }
        if (!message.endsWith(".") && !message.endsWith("?")) {
            message = message + ";";
        }
        err.println("error: " + message + " " + hint);
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cli, ParseResult parseResult) {
        Throwable e = ex;
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            e = u.getCause();
        }
        int code;
        String message;
        if (e instanceof Failure f) {
            code = f.exitCode();
            message = f.getMessage();
        } else if (e instanceof DivergenceException) {
            code = DIVERGED;
            message = e.getMessage();
        } else if (e instanceof DataException || e instanceof ModelFileException || e instanceof EngineException
                || e instanceof RunFolderException || e instanceof liftnet.sweep.SchedulerException) {
            code = FAILURE;
            message = e.getMessage();
        } else if (e instanceof IOException io) {
            code = FAILURE;
            message = describe(io);
        } else if (e instanceof IllegalArgumentException) {
            code = USAGE;
            message = e.getMessage() + "; see " + cli.getCommandSpec().qualifiedName() + " --help";
        } else {
            code = FAILURE;
            message = "internal error: " + e + (System.getenv("LIFTNET_DEBUG") == null
                    ? " (set LIFTNET_DEBUG=1 for the stack trace; please report it)" : "");
            if (System.getenv("LIFTNET_DEBUG") != null) {
                e.printStackTrace(err);
            }
        }
        err.println("error: " + oneLine(message));
        err.flush();
        return code;
    }

    /** A message for an I/O failure that names the file and what went wrong. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": no such file or folder";
        }
        if (e instanceof AccessDeniedException a) {
            return a.getFile() + ": permission denied";
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + ": already exists";
        }
        if (e instanceof NotDirectoryException n) {
            return n.getFile() + ": not a folder";
        }
        return "I/O error: " + e.getMessage();
    }

    /** {@code text} on one line: line breaks (with surrounding blanks) become {@code " | "}. */
    static String oneLine(String text) {
        if (text == null) {
            return "(no message)";
        }
        return text.strip().replaceAll("\\s*[\\r\\n]+\\s*", " | ");
    }
}
