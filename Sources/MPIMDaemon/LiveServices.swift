import Cache
import Logging
import MPIMServices
import Users

/// The Users service as configured (`[users]`), the same in a gateway that
/// runs it in process and in a services process.
func liveUserService(_ configuration: DaemonConfiguration, store: any UserStore, cache: any CacheStore,
                     logger: Logger) -> any UserService {
    LiveUserService(
        store: store, cache: cache, hashingPool: .singleton,
        configuration: .init(
            bcryptCost: configuration.bcryptCost,
            throttle: .init(failures: configuration.lockoutFailures, window: configuration.lockoutWindow,
                            lockout: configuration.lockoutDuration),
            verifiedLoginLifetime: configuration.verifiedLoginLifetime),
        clock: ContinuousClock(), logger: logger)
}
