package io.tensorline.server.repository.s3;

import io.tensorline.server.repository.RepositorySync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Mirrors one S3 repository (a bucket and key prefix) into a local directory: objects whose ETag changed are
 * downloaded (to a temporary file, then moved into place), local files whose object is gone are deleted, and the
 * ETag of every local file is kept in a manifest beside the mirror so a restart downloads nothing unchanged.
 *
 * <p>Threads: every method holds this object's monitor, so syncs of one mirror never interleave.
 */
public final class S3Mirror implements RepositorySync {

    private static final Logger LOG = LoggerFactory.getLogger(S3Mirror.class);
    private static final String MANIFEST = "etags.properties";

    private final S3Location location;
    private final S3Client client;
    /** Relative path (with '/') to ETag, of every file in the mirror; guarded by this. */
    private final Map<String, String> etags = new TreeMap<>();

    private S3Mirror(S3Location location, S3Client client) {
        this.location = location;
        this.client = client;
    }

    /**
     * Connects with the default credentials and region provider chains, checks the bucket and mirrors the whole
     * repository.
     *
     * @throws S3RepositoryException naming the bucket when it is missing, access is denied or it cannot be reached
     */
    public static S3Mirror open(S3Location location) {
        S3Mirror mirror = new S3Mirror(location, client(location));
        try {
            mirror.checkBucket();
            mirror.loadManifest();
            createDirectories(location.repository());
            mirror.syncAll(m -> false);
            return mirror;
        } catch (RuntimeException e) {
            mirror.close();
            throw e;
        }
    }

    /**
     * Opens every location ({@link #open}), as one sync.
     *
     * @throws S3RepositoryException for the first that fails (those opened before it are closed)
     */
    public static RepositorySync openAll(List<S3Location> locations) {
        List<S3Mirror> opened = new ArrayList<>();
        try {
            for (S3Location l : locations) {
                opened.add(open(l));
            }
        } catch (RuntimeException e) {
            opened.forEach(S3Mirror::close);
            throw e;
        }
        return RepositorySync.of(opened);
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new S3RepositoryException("cannot create the local mirror " + dir + ": " + e, e);
        }
    }

    /** The S3 client of a location; a host:port endpoint is addressed path-style. */
    static S3Client client(S3Location location) {
        var b = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .region(region())
                // S3-compatible servers need not know the SDK's newer default checksums
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (location.endpoint() != null) {
            b.endpointOverride(location.endpoint()).forcePathStyle(true);
        }
        return b.build();
    }

    private static Region region() {
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            return Region.US_EAST_1; // none configured: S3's global default
        }
    }

    private void checkBucket() {
        try {
            client.headBucket(HeadBucketRequest.builder().bucket(location.bucket()).build());
        } catch (SdkException e) {
            throw failure(e);
        }
    }

    @Override
    public synchronized void syncAll(Predicate<String> busy) {
        sync(location.keyPrefix(), busy);
    }

    @Override
    public synchronized void syncModel(String model) {
        if (model.isEmpty() || model.contains("/") || model.contains("\\") || model.startsWith(".")) {
            return; // not a model folder name; the registry answers it as unknown
        }
        sync(location.keyPrefix() + model + "/", m -> false);
    }

    /** Mirrors the objects under {@code keyPrefix} (the root or one model), except models that are busy. */
    private void sync(String keyPrefix, Predicate<String> busy) {
        Map<String, S3Object> remote = new HashMap<>();
        try {
            for (S3Object o : client.listObjectsV2Paginator(ListObjectsV2Request.builder()
                    .bucket(location.bucket()).prefix(keyPrefix).build()).contents()) {
                String rel = o.key().substring(location.keyPrefix().length());
                if (safe(rel) && !busy.test(model(rel))) {
                    remote.put(rel, o);
                }
            }
            int downloaded = 0;
            for (S3Object o : remote.values()) {
                String rel = o.key().substring(location.keyPrefix().length());
                Path local = location.repository().resolve(rel);
                if (o.eTag().equals(etags.get(rel)) && Files.isRegularFile(local)) {
                    continue;
                }
                download(o.key(), local);
                etags.put(rel, o.eTag());
                downloaded++;
            }
            int deleted = deleteGone(keyPrefix.substring(location.keyPrefix().length()), remote, busy);
            if (downloaded + deleted > 0) {
                saveManifest();
                LOG.info("{}: {} object(s) downloaded, {} local file(s) deleted", location.describe(), downloaded,
                        deleted);
            }
        } catch (SdkException e) {
            throw failure(e);
        } catch (IOException e) {
            throw new S3RepositoryException("cannot mirror " + location.describe() + " into "
                    + location.repository() + ": " + e, e);
        }
    }

    /** A key under the root that names a file: no folder marker, no empty, '.' or '..' segment. */
    private static boolean safe(String rel) {
        if (rel.isEmpty() || rel.endsWith("/")) {
            return false;
        }
        for (String s : rel.split("/", -1)) {
            if (s.isEmpty() || s.equals(".") || s.equals("..") || s.contains("\\")) {
                return false;
            }
        }
        return true;
    }

    private static String model(String rel) {
        int slash = rel.indexOf('/');
        return slash < 0 ? "" : rel.substring(0, slash);
    }

    private void download(String key, Path local) throws IOException {
        Files.createDirectories(local.getParent());
        Path tmp = Files.createTempFile(local.getParent(), ".download-", ".tmp");
        try {
            try (InputStream in = client.getObject(GetObjectRequest.builder().bucket(location.bucket()).key(key)
                    .build()); OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes the local files under {@code relPrefix} that have no object any more, then the emptied folders. */
    private int deleteGone(String relPrefix, Map<String, S3Object> remote, Predicate<String> busy)
            throws IOException {
        Path scope = relPrefix.isEmpty() ? location.repository() : location.repository().resolve(relPrefix);
        if (!Files.isDirectory(scope)) {
            return 0;
        }
        int deleted = 0;
        List<Path> all;
        try (Stream<Path> walk = Files.walk(scope)) {
            all = walk.sorted(Comparator.reverseOrder()).toList(); // children before their folders
        }
        for (Path p : all) {
            String rel = location.repository().relativize(p).toString().replace('\\', '/');
            if (p.equals(location.repository()) || busy.test(model(rel + (Files.isDirectory(p) ? "/" : "")))) {
                continue;
            }
            if (Files.isDirectory(p)) {
                try (Stream<Path> children = Files.list(p)) {
                    if (children.findAny().isEmpty()) {
                        Files.delete(p);
                    }
                }
            } else if (!remote.containsKey(rel)) {
                Files.delete(p);
                etags.remove(rel);
                deleted++;
            }
        }
        return deleted;
    }

    private void loadManifest() {
        Path file = location.cache().resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            return;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            LOG.warn("{}: unreadable manifest {} ({}); every object is downloaded again", location.describe(), file,
                    e.toString());
            return;
        }
        p.stringPropertyNames().forEach(k -> etags.put(k, p.getProperty(k)));
    }

    private void saveManifest() throws IOException {
        Properties p = new Properties();
        p.putAll(etags);
        Files.createDirectories(location.cache());
        Path tmp = Files.createTempFile(location.cache(), ".manifest-", ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "ETags of the objects mirrored from " + location.uri());
        }
        Files.move(tmp, location.cache().resolve(MANIFEST), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** A message that names the bucket and what to check; the SDK's own words carry no secret. */
    private S3RepositoryException failure(SdkException e) {
        String where = location.describe();
        if (e instanceof S3Exception s3) {
            String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            String detail = " (S3 status " + s3.statusCode() + (code == null ? "" : ", " + code) + ")";
            if (s3.statusCode() == 404) {
                return new S3RepositoryException(where + ": the bucket does not exist" + detail, e);
            }
            if (s3.statusCode() == 403 || s3.statusCode() == 401) {
                return new S3RepositoryException(where + ": access denied; check the credentials of the default "
                        + "AWS provider chain (aws.accessKeyId / AWS_ACCESS_KEY_ID and the secret key, "
                        + "AWS_PROFILE, a web identity or instance role) and the bucket's policy" + detail, e);
            }
            return new S3RepositoryException(where + ": " + s3.getMessage(), e);
        }
        return new S3RepositoryException(where + ": cannot be read: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        client.close();
    }

    /** For messages and tests. */
    public S3Location location() {
        return location;
    }
}
