package io.tensorline.server.repository.s3;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Triton's two forms of an S3 repository, and where each is mirrored. */
class S3LocationTest {

    private static final Path CACHE = Path.of("cache");

    @Test
    void bucketAndPathAddressAws() {
        S3Location l = S3Location.parse("s3://models/prod/triton/", CACHE);
        assertNull(l.endpoint());
        assertEquals("models", l.bucket());
        assertEquals("prod/triton", l.prefix());
        assertEquals("prod/triton/", l.keyPrefix());
        assertTrue(l.repository().startsWith(CACHE.resolve("s3")), l.repository().toString());
    }

    @Test
    void hostAndPortNameAnEndpoint() {
        S3Location l = S3Location.parse("s3://minio.local:9000/models/repo", CACHE);
        assertEquals(URI.create("http://minio.local:9000"), l.endpoint());
        assertEquals("models", l.bucket());
        assertEquals("repo", l.prefix());
    }

    @Test
    void theBucketRootIsARepositoryToo() {
        S3Location l = S3Location.parse("s3://models", CACHE);
        assertEquals("", l.prefix());
        assertEquals("", l.keyPrefix());
    }

    @Test
    void differentRepositoriesAreMirroredApart() {
        assertNotEquals(S3Location.parse("s3://models/a", CACHE).cache(),
                S3Location.parse("s3://models/b", CACHE).cache());
    }

    @Test
    void malformedFormsSayWhatWasExpected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> S3Location.parse("s3://", CACHE))
                .getMessage().contains("expected: a bucket name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> S3Location.parse("s3://host:port/b", CACHE))
                .getMessage().contains("numeric port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> S3Location.parse("s3://host:99999/b", CACHE))
                .getMessage().contains("numeric port"));
        assertFalse(S3Location.isS3("/models"));
    }
}
