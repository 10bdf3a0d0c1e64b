package io.tensorline.server.repository.s3;

/** An S3 repository that cannot be read: a missing bucket, refused credentials, an unreachable endpoint. */
public final class S3RepositoryException extends RuntimeException {

    S3RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
