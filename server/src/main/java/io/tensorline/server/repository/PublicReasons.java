package io.tensorline.server.repository;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Load failures are shown to clients (repository index, UNAVAILABLE answers), so they must not carry the server's
 * file-system layout. Parsers and engines name files by their full path ({@code cannot parse /srv/models/m/config.pbtxt},
 * ONNX Runtime's {@code Load model from /srv/models/m/1/model.onnx failed}); here paths inside the repository become
 * relative to it ({@code m/1/model.onnx}) and any other absolute path becomes {@code <path>}. The full message stays
 * in the server's log.
 */
final class PublicReasons {

    /** An absolute path: a slash at the start or after a blank, quote, bracket or '=', then two or more segments. */
    private static final Pattern ABSOLUTE_PATH = Pattern.compile("(?<=^|[\\s'\"`(\\[=])/[^\\s'\"`,;:()\\[\\]]+");

    private PublicReasons() {
    }

    /** {@code reason} without file-system paths; {@code repository} is the model repository's root. */
    static String scrub(String reason, Path repository) {
        if (reason == null) {
            return null;
        }
        String out = reason;
        for (String root : spellings(repository)) {
            out = out.replace(root + "/", "");
        }
        return ABSOLUTE_PATH.matcher(out).replaceAll(m -> m.group().indexOf('/', 1) > 0 ? "<path>" : m.group());
    }

    /** The ways a message may spell the root: as given, absolute, normalized, and with links resolved. */
    private static Set<String> spellings(Path repository) {
        Set<String> s = new LinkedHashSet<>();
        s.add(repository.toString());
        s.add(repository.toAbsolutePath().toString());
        s.add(repository.toAbsolutePath().normalize().toString());
        try {
            s.add(repository.toRealPath().toString());
        } catch (IOException e) {
            // a repository that vanished has no real path; the other spellings remain
        }
        s.removeIf(String::isEmpty);
        // longest first, so "/a/b" is not cut to "b" by a shorter "a" spelling matching inside it
        return s.stream().sorted((x, y) -> y.length() - x.length())
                .collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new));
    }
}
