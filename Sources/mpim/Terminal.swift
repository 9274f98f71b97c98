#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal in interactive mode: no line buffering and no echo (the
/// client draws the input line itself), signals still on (Ctrl-C, Ctrl-Z).
/// The original settings come back on exit, on SIGINT/SIGTERM/SIGHUP/SIGQUIT
/// (then the signal does what it would have done), and while suspended.
enum Terminal {
    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Puts stdin's terminal in non-canonical mode and installs the signal
    /// handlers that undo it. `wake` is written a byte after SIGCONT and
    /// SIGWINCH, so the input thread redraws the line.
    static func enterInteractiveMode(wake: Int32) throws(TerminalError) {
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { throw TerminalError("tcgetattr failed: errno \(errno)") }
        savedSettings = original
        wakeDescriptor = wake
        guard applyInteractiveSettings() else { throw TerminalError("tcsetattr failed: errno \(errno)") }
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            install(signal, handler: restoreAndDie)
        }
        install(SIGTSTP, handler: restoreAndSuspend)
        install(SIGCONT, handler: resumeInteractive)
        install(SIGWINCH, handler: wakeInput)
    }

    /// Back to the settings found at start (idempotent).
    static func restore() {
        guard var settings = savedSettings else { return }
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &settings)
    }

    /// Columns of the terminal on stdout (80 when unknown).
    static var width: Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    private static func install(_ signal: Int32, handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(signal, &action, nil)
    }
}

struct TerminalError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// Read by signal handlers, so plain globals: written once before the handlers
// are installed, read only afterwards.
nonisolated(unsafe) private var savedSettings: termios?
nonisolated(unsafe) private var wakeDescriptor: Int32 = -1

@discardableResult
private func applyInteractiveSettings() -> Bool {
    guard var settings = savedSettings else { return false }
    settings.c_lflag &= ~tcflag_t(ICANON | ECHO | IEXTEN)
    withUnsafeMutableBytes(of: &settings.c_cc) { cc in
        cc[Int(VMIN)] = 1
        cc[Int(VTIME)] = 0
    }
    return tcsetattr(STDIN_FILENO, TCSANOW, &settings) == 0
}

// The handlers use only async-signal-safe calls: tcsetattr, write, signal, raise, sigaction.

private func restoreAndDie(_ number: Int32) {
    Terminal.restore()
    _ = "\n".withCString { write(STDOUT_FILENO, $0, 1) }
    signal(number, SIG_DFL)
    raise(number)
}

private func restoreAndSuspend(_ number: Int32) {
    Terminal.restore()
    _ = "\n".withCString { write(STDOUT_FILENO, $0, 1) }
    signal(SIGTSTP, SIG_DFL)
    raise(SIGTSTP)  // delivered when this handler returns: the process stops
}

private func resumeInteractive(_ number: Int32) {
    applyInteractiveSettings()
    var action = sigaction()
    action.__sigaction_handler.sa_handler = restoreAndSuspend
    sigemptyset(&action.sa_mask)
    action.sa_flags = SA_RESTART
    sigaction(SIGTSTP, &action, nil)
    wakeInput(number)
}

private func wakeInput(_ signal: Int32) {
    var byte: UInt8 = 1
    _ = write(wakeDescriptor, &byte, 1)
}
