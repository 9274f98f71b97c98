@testable import mpim
import Testing

@Suite("the interactive line editor")
struct LineEditorTests {
    private func type(_ bytes: [UInt8], into editor: inout LineEditor) -> [LineEditor.Action] {
        bytes.map { editor.feed($0) }
    }

    @Test("typing, backspace and enter")
    func typing() {
        var editor = LineEditor()
        _ = type(Array("helo".utf8) + [0x7F] + Array("lo".utf8), into: &editor)
        #expect(editor.text == "hello")
        #expect(editor.feed(0x0D) == .submit("hello"))
        #expect(editor.text == "")
    }

    @Test("multi-byte characters arrive whole")
    func utf8() {
        var editor = LineEditor()
        let actions = type(Array("é✓".utf8), into: &editor)
        #expect(actions == [.none, .changed, .none, .none, .changed])
        #expect(editor.text == "é✓")
        #expect(editor.feed(0x7F) == .changed)
        #expect(editor.text == "é")
    }

    @Test("Ctrl-U clears, Ctrl-W deletes a word, Ctrl-D ends only an empty line")
    func controlKeys() {
        var editor = LineEditor()
        _ = type(Array("one two  ".utf8), into: &editor)
        #expect(editor.feed(0x17) == .changed)
        #expect(editor.text == "one ")
        #expect(editor.feed(0x04) == .none)
        #expect(editor.feed(0x15) == .changed)
        #expect(editor.text == "")
        #expect(editor.feed(0x04) == .endOfInput)
    }

    @Test("arrow keys browse earlier lines; other escape sequences are skipped")
    func history() {
        var editor = LineEditor()
        _ = type(Array("first\rsecond\r".utf8), into: &editor)
        _ = type(Array("dra".utf8), into: &editor)
        _ = type([0x1B, 0x5B, 0x41], into: &editor)  // Up
        #expect(editor.text == "second")
        _ = type([0x1B, 0x5B, 0x41], into: &editor)
        #expect(editor.text == "first")
        _ = type([0x1B, 0x5B, 0x42, 0x1B, 0x5B, 0x42], into: &editor)  // Down, Down
        #expect(editor.text == "dra")
        _ = type([0x1B, 0x5B, 0x33, 0x7E, 0x1B, 0x5B, 0x43], into: &editor)  // Delete, Right
        #expect(editor.text == "dra")
    }
}
