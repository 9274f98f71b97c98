@testable import mpim
import Testing

@Suite("where the input line lands on the screen")
struct InputLayoutTests {
    private func layout(_ text: String, width: Int) -> InputLayout {
        InputLayout(Array(text), width: width)
    }

    @Test("a line wraps at the width; the cursor's row is what erasing moves up")
    func wrapping() {
        let line = layout(String(repeating: "a", count: 25), width: 10)
        #expect(line.starts[9] == .init(row: 0, column: 9))
        #expect(line.starts[10] == .init(row: 1, column: 0))
        #expect(line.end == .init(row: 2, column: 5))
        #expect(!line.endsAtEdge)
        #expect(line.cursor(at: 25, freshRow: false) == .init(row: 2, column: 5))
        #expect(line.cursor(at: 12, freshRow: false) == .init(row: 1, column: 2))
    }

    @Test("a line that fills its last row leaves the cursor at the edge; drawing puts it on a fresh row")
    func edge() {
        let line = layout(String(repeating: "a", count: 20), width: 10)
        #expect(line.endsAtEdge)
        #expect(line.cursor(at: 20, freshRow: false) == .init(row: 1, column: 9))  // waiting to wrap
        #expect(line.cursor(at: 20, freshRow: true) == .init(row: 2, column: 0))
    }

    @Test("after narrowing, the cursor's row is its row at the new width (the terminal rewraps)")
    func narrowing() {
        let text = "alice> " + String(repeating: "x", count: 93)  // 100 characters
        #expect(layout(text, width: 120).cursor(at: 50, freshRow: false).row == 0)
        #expect(layout(text, width: 40).cursor(at: 50, freshRow: false) == .init(row: 1, column: 10))
        #expect(layout(text, width: 25).cursor(at: 50, freshRow: false) == .init(row: 2, column: 0))
        // A line drawn at the edge at 120 columns keeps its fresh row below the rewrapped text.
        let full = String(repeating: "y", count: 120)
        #expect(layout(full, width: 50).cursor(at: 120, freshRow: true) == .init(row: 3, column: 0))
    }

    @Test("wide characters take two columns and never split at the edge; combining marks take none")
    func widths() {
        #expect(InputLayout.cells("a") == 1)
        #expect(InputLayout.cells("漢") == 2)
        #expect(InputLayout.cells("😀") == 2)
        #expect(InputLayout.cells("e\u{301}") == 1)
        let line = layout("abc漢字", width: 4)
        #expect(line.starts[3] == .init(row: 1, column: 0))  // one column left at the edge: wrapped
        #expect(line.starts[4] == .init(row: 1, column: 2))
        #expect(line.endsAtEdge)
    }
}

@Suite("how a script run ends")
struct ScriptOutcomeTests {
    @Test("every command worked: status 0, nothing on stderr")
    func success() {
        var outcome = ScriptOutcome()
        outcome.connectedOnce()
        outcome.ran("/pull", number: 1, failure: nil)
        #expect(outcome.exitStatus == 0)
        #expect(outcome.summary(server: "h:1") == nil)
    }

    @Test("a failed command: status 1, the first failure named with its password masked")
    func failure() {
        var outcome = ScriptOutcome()
        outcome.connectedOnce()
        outcome.ran("/login alice wrongpw", number: 1, failure: "auth failed")
        outcome.ran("/pull", number: 3, failure: "not login")
        #expect(outcome.exitStatus == 1)
        #expect(outcome.summary(server: "h:1")
                == "mpim: 2 of 2 commands failed; the first, line 1 (/login alice ********): auth failed")
    }

    @Test("never connected: status 1 and why, even with no commands")
    func noServer() {
        var outcome = ScriptOutcome()
        outcome.connectFailed("Connection refused")
        #expect(outcome.exitStatus == 1)
        #expect(outcome.summary(server: "127.0.0.1:8499") == "mpim: could not connect to 127.0.0.1:8499: Connection refused")
    }

    @Test("signed out by another login: status 1")
    func signedOut() {
        var outcome = ScriptOutcome()
        outcome.connectedOnce()
        outcome.signedOut("signed in on another cli device; signed out here")
        #expect(outcome.summary(server: "h:1") == "mpim: signed in on another cli device; signed out here")
    }
}
