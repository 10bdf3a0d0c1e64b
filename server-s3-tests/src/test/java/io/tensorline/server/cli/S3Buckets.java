package io.tensorline.server.cli;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A real S3-compatible server in the test JVM: S3Proxy over jclouds' transient (in-memory) blob store, on an
 * ephemeral port, checking AWS signatures against one identity; and a client to fill its buckets.
 */
final class S3Buckets implements AutoCloseable {

    /** The identity the tests' default provider chain holds (aws.accessKeyId / aws.secretAccessKey, see the pom). */
    static final String ACCESS_KEY = System.getProperty("aws.accessKeyId");
    static final String SECRET_KEY = System.getProperty("aws.secretAccessKey");

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final S3Client client;

    /** A server that accepts {@code accessKey}/{@code secretKey}. */
    S3Buckets(String accessKey, String secretKey) throws Exception {
        context = ContextBuilder.newBuilder("transient").credentials(accessKey, secretKey)
                .build(BlobStoreContext.class);
        proxy = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey).build();
        proxy.start();
        for (int i = 0; i < 1000 && !proxy.getState().equals("STARTED"); i++) {
            Thread.sleep(10);
        }
        client = S3Client.builder().httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .region(Region.US_EAST_1).endpointOverride(URI.create("http://127.0.0.1:" + port()))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
    }

    /** A server that accepts the identity the tests' provider chain holds. */
    S3Buckets() throws Exception {
        this(ACCESS_KEY, SECRET_KEY);
    }

    int port() {
        return proxy.getPort();
    }

    /** Triton's form of an S3-compatible repository on this server. */
    String uri(String bucket, String prefix) {
        return "s3://127.0.0.1:" + port() + "/" + bucket + "/" + prefix;
    }

    void createBucket(String bucket) {
        client.createBucket(CreateBucketRequest.builder().bucket(bucket).build());
    }

    void put(String bucket, String key, byte[] content) {
        client.putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.fromBytes(content));
    }

    void put(String bucket, String key, String content) {
        put(bucket, key, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    void delete(String bucket, String key) {
        client.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(key).build());
    }

    /** Uploads a local model folder as {@code prefix/asName/...}. */
    void uploadModel(String bucket, String prefix, Path modelDir, String asName) throws IOException {
        try (Stream<Path> files = Files.walk(modelDir)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String rel = modelDir.relativize(p).toString().replace('\\', '/');
                put(bucket, prefix + "/" + asName + "/" + rel, Files.readAllBytes(p));
            }
        }
    }

    @Override
    public void close() throws Exception {
        client.close();
        proxy.stop();
        context.close();
    }
}
