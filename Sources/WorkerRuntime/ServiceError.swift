import AMQPClient
import PostgresClient
import RedisClient

/// What the service wrappers say about an error they raised.
public enum ServiceError {
    /// Whether trying again later can help (a lost connection, a lock wait
    /// that timed out); nil for an error no wrapper raised.
    public static func isRetryable(_ error: any Error) -> Bool? {
        switch error {
        case let error as PostgresError: error.isRetryable
        case let error as AMQPError: error.isRetryable
        case let error as RedisError: error.isRetryable
        default: nil
        }
    }
}
