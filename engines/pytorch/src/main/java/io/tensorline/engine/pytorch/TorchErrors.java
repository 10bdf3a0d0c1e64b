package io.tensorline.engine.pytorch;

/** Short forms of libtorch's error messages, which carry TorchScript tracebacks and C++ stack traces. */
final class TorchErrors {

    private static final String[] MARKERS = {"RuntimeError: ", "Exception: ", "Error: "};

    private TorchErrors() {
    }

    /**
     * The line that says what went wrong: the last {@code ...Error: } line of a TorchScript traceback, else the
     * first line of the message.
     */
    static String summary(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String[] lines = message.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            for (String marker : MARKERS) {
                int at = line.indexOf(marker);
                if (at >= 0) {
                    return line.substring(at + marker.length()).strip();
                }
            }
        }
        return lines[0].strip();
    }
}
