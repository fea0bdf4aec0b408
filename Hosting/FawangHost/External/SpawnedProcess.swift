import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`: an external plugin the host starts, and the
/// tests' child processes (the CLI, `fawang serve`, openssl, sqlite3, python).
///
/// Not Foundation's `Process`: on Linux its `run()` walks `/proc/self/fd` with a 256-byte copy of
/// each `dirent` and crashes the whole process now and then (swift-corelibs-foundation
/// PR #5472, not in Swift 6.3.1) — seen as a SIGSEGV in `Process.run()` mid-suite. Like
/// `Process`, it hands the child only stdin from /dev/null and stdout and stderr to `output`,
/// closes every other descriptor, and resets the signal mask and dispositions.
///
/// One thread of its own per child waits for it to exit (never a thread of Swift's cooperative
/// pool, which on 2 cores a blocked wait would starve), records the status and calls `onExit`.
public final class SpawnedProcess: Sendable {
    public let pid: Int32
    private let exit = Exit()

    /// stdout and stderr stay the parent's (an external plugin's log goes with the host's).
    public static let inheritOutput: Int32 = -2

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `executable` with `arguments`; stdout and stderr go to the descriptor `output`
    /// (-1: /dev/null; ``inheritOutput``: the parent's). `environment` replaces the child's
    /// environment when given. `onExit` gets the exit status, on the waiting thread.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, output: Int32 = -1,
        onExit: (@Sendable (Int32) -> Void)? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if output >= 0 {
            posix_spawn_file_actions_adddup2(&actions, output, 1)
            posix_spawn_file_actions_adddup2(&actions, output, 2)
        } else if output != Self.inheritOutput {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        // Nothing else of this process: an inherited client socket would keep a connection to
        // some server open after this process closed it, and that server's graceful shutdown
        // would wait for it.
        guard Self.closeFrom(&actions, 3) == 0 else { throw Failure(description: "posix_spawn_file_actions_addclosefrom_np failed") }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in env { free(pointer) }
        }
        // The child starts with no signal blocked and every signal at its default: a host ignores
        // SIGTERM (service-lifecycle handles it), which the child would otherwise inherit and
        // never stop on `kill -TERM`.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        Self.spawning.lock()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, env)
        Self.spawning.unlock()
        guard result == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        let (exit, child) = (self.exit, pid)
        let thread = Thread {
            var raw: Int32 = 0
            while waitpid(child, &raw, 0) == -1 && errno == EINTR {}
            let status = Self.decode(raw)
            exit.record(status)
            onExit?(status)
        }
        thread.name = "fawang-wait-\(child)"
        thread.start()
    }

    /// True until the child has exited (and been reaped).
    public var isRunning: Bool { exit.status == nil }

    /// The exit status (128 + signal for a signalled child); waits for it, on the calling thread.
    public func waitUntilExit() -> Int32 { exit.wait() }

    public func signal(_ number: Int32) { kill(pid, number) }

    /// The child's exit status, once its waiting thread has reaped it.
    private final class Exit: @unchecked Sendable {
        private let condition = NSCondition()
        private var value: Int32?

        var status: Int32? {
            condition.lock()
            defer { condition.unlock() }
            return value
        }

        func record(_ status: Int32) {
            condition.lock()
            value = status
            condition.broadcast()
            condition.unlock()
        }

        func wait() -> Int32 {
            condition.lock()
            defer { condition.unlock() }
            while value == nil { condition.wait() }
            return value!
        }
    }

    /// Exit code, or 128 + the signal that ended the child (as a shell reports it).
    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), declared only under _GNU_SOURCE,
    /// which Swift's Glibc module does not define: looked up at run time.
    private static let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Held while a child is spawned and while a pipe is made close-on-exec (`pipe2` is not in
    /// Swift's Glibc module): no child starts between the two and inherits another's pipe end,
    /// which would keep that pipe open, and its reader waiting, for as long as the child lives.
    private static let spawning = NSLock()

    /// A pipe whose two ends are close-on-exec (the child gets the write end by dup2).
    public static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        spawning.lock()
        defer { spawning.unlock() }
        guard Glibc.pipe(&ends) == 0 else { throw Failure(description: "pipe failed: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }
}
