#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a write with `SIGPIPE` blocked on the calling thread, so that a
/// reader that has gone makes the write fail with `EPIPE` instead of ending
/// the process. A library must not change the process's signal handling,
/// so the mask is the thread's, for the call only; a `SIGPIPE` the write
/// raised meanwhile is taken off the thread before the mask is restored.
enum SIGPIPEBlocked {
    static func run<R>(_ body: () -> R) -> R {
        var pipe = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipe, &previous)
        let wasBlocked = sigismember(&previous, SIGPIPE) == 1
        let result = body()
        if !wasBlocked {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 {
                var now = timespec(tv_sec: 0, tv_nsec: 0)
                _ = sigtimedwait(&pipe, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        return result
    }
}
