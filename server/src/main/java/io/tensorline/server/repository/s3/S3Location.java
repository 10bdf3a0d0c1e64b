package io.tensorline.server.repository.s3;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@code --model-repository} on S3, in Triton's two forms: {@code s3://bucket/path} (AWS, the region from the
 * default provider chain) and {@code s3://host:port/bucket/path} (an S3-compatible endpoint, addressed path-style
 * over plain HTTP, as Triton does).
 *
 * @param uri      the flag's value, as given (it holds no secret)
 * @param endpoint {@code http://host:port}, or null for AWS's own endpoints
 * @param bucket   the bucket
 * @param prefix   the key prefix of the repository root, without leading or trailing '/'; empty for the bucket root
 * @param cache    the local directory this repository is mirrored under
 */
public record S3Location(String uri, URI endpoint, String bucket, String prefix, Path cache) {

    public static final String SCHEME = "s3://";

    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.\\-]+:[0-9]{1,5}");

    public S3Location {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(cache, "cache");
    }

    /** Whether a {@code --model-repository} value names an S3 repository. */
    public static boolean isS3(String repository) {
        return repository.startsWith(SCHEME);
    }

    /**
     * Parses {@code s3://[host:port/]bucket[/path]}; the mirror goes under {@code cacheRoot/s3/}.
     *
     * @throws IllegalArgumentException with what was expected when the form is wrong
     */
    public static S3Location parse(String uri, Path cacheRoot) {
        if (!isS3(uri)) {
            throw new IllegalArgumentException(uri + " (expected: s3://bucket/path or s3://host:port/bucket/path)");
        }
        String rest = uri.substring(SCHEME.length());
        URI endpoint = null;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? rest : rest.substring(0, slash);
        if (first.contains(":")) {
            if (!HOST_PORT.matcher(first).matches() || Integer.parseInt(first.substring(first.indexOf(':') + 1)) > 65535) {
                throw new IllegalArgumentException(uri + " (expected: s3://host:port/bucket/path with a numeric port)");
            }
            endpoint = URI.create("http://" + first);
            rest = slash < 0 ? "" : rest.substring(slash + 1);
            slash = rest.indexOf('/');
        }
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException(uri + " (expected: a bucket name, s3://bucket/path or "
                    + "s3://host:port/bucket/path)");
        }
        return new S3Location(uri, endpoint, bucket, prefix, cacheRoot.resolve("s3").resolve(bucket + "-" + digest(uri)));
    }

    /** The local copy of the repository root, the directory the registry reads. */
    public Path repository() {
        return cache.resolve("repository");
    }

    /** The key prefix of everything under the root: empty, or the prefix and a '/'. */
    String keyPrefix() {
        return prefix.isEmpty() ? "" : prefix + "/";
    }

    /** Where this repository is, for messages. */
    String describe() {
        return "S3 bucket '" + bucket + "'" + (endpoint == null ? "" : " at " + endpoint)
                + " (--model-repository=" + uri + ")";
    }

    private static String digest(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return uri;
    }
}
