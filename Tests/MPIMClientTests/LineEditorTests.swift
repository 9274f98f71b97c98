@testable import mpim
import Testing

// Bytes as a terminal in non-canonical mode sends them.
private let left: [UInt8] = [0x1B, 0x5B, 0x44]
private let right: [UInt8] = [0x1B, 0x5B, 0x43]
private let up: [UInt8] = [0x1B, 0x5B, 0x41]
private let down: [UInt8] = [0x1B, 0x5B, 0x42]
private let home: [UInt8] = [0x1B, 0x5B, 0x48]
private let end: [UInt8] = [0x1B, 0x4F, 0x46]
private let delete: [UInt8] = [0x1B, 0x5B, 0x33, 0x7E]
private let altB: [UInt8] = [0x1B, UInt8(ascii: "b")]
private let altF: [UInt8] = [0x1B, UInt8(ascii: "f")]
private let ctrlLeft: [UInt8] = Array("\u{1B}[1;5D".utf8)
private func ctrl(_ letter: Character) -> [UInt8] { [letter.asciiValue! - 0x60] }

@Suite("the interactive line editor")
struct LineEditorTests {
    private func type(_ bytes: [UInt8], into editor: inout LineEditor) -> [LineEditor.Action] {
        bytes.map { editor.feed($0) }
    }

    private func type(_ text: String, into editor: inout LineEditor) {
        _ = type(Array(text.utf8), into: &editor)
    }

    /// The text with `|` where the cursor is.
    private func shown(_ editor: LineEditor) -> String {
        let characters = Array(editor.text)
        return String(characters[..<editor.cursor]) + "|" + String(characters[editor.cursor...])
    }

    @Test("typing, backspace and enter")
    func typing() {
        var editor = LineEditor()
        _ = type(Array("helo".utf8) + [0x7F] + Array("lo".utf8), into: &editor)
        #expect(editor.text == "hello")
        #expect(editor.feed(0x0D) == .submit("hello"))
        #expect(editor.text == "")
        #expect(editor.cursor == 0)
    }

    @Test("multi-byte characters arrive whole; a combining mark joins the character before")
    func utf8() {
        var editor = LineEditor()
        let actions = type(Array("é✓".utf8), into: &editor)
        #expect(actions == [.none, .changed, .none, .none, .changed])
        #expect(editor.text == "é✓")
        #expect(editor.feed(0x7F) == .changed)
        #expect(editor.text == "é")
        type("e\u{301}", into: &editor)
        #expect(editor.text == "ée\u{301}")
        #expect(editor.cursor == 2)
    }

    @Test("the cursor moves by character and to either end; typing lands at the cursor")
    func cursorMoves() {
        var editor = LineEditor()
        type("helo world", into: &editor)
        _ = type(left + left + left + left + left + left + left, into: &editor)
        #expect(shown(editor) == "hel|o world")
        type("l", into: &editor)
        #expect(shown(editor) == "hell|o world")
        _ = type(home, into: &editor)
        #expect(shown(editor) == "|hello world")
        #expect(editor.feed(left[0]) == .none && editor.feed(left[1]) == .none && editor.feed(left[2]) == .none)
        _ = type(end, into: &editor)
        #expect(shown(editor) == "hello world|")
        _ = type(ctrl("a") + ctrl("f") + ctrl("f"), into: &editor)
        #expect(shown(editor) == "he|llo world")
        _ = type(ctrl("e") + ctrl("b"), into: &editor)
        #expect(shown(editor) == "hello worl|d")
        _ = type(right + right, into: &editor)
        #expect(shown(editor) == "hello world|")
        #expect(editor.feed(0x0D) == .submit("hello world"))
    }

    @Test("Alt-B/F and Ctrl-Left move by word")
    func wordMoves() {
        var editor = LineEditor()
        type("/msg bob hi, there", into: &editor)
        _ = type(altB, into: &editor)
        #expect(shown(editor) == "/msg bob hi, |there")
        _ = type(altB + altB, into: &editor)
        #expect(shown(editor) == "/msg |bob hi, there")
        _ = type(ctrlLeft, into: &editor)
        #expect(shown(editor) == "/|msg bob hi, there")
        _ = type(altF, into: &editor)
        #expect(shown(editor) == "/msg| bob hi, there")
        _ = type(altF + altF + altF, into: &editor)
        #expect(shown(editor) == "/msg bob hi, there|")
    }

    @Test("Ctrl-K kills to the end, Ctrl-U to the start, Ctrl-W the word before, Delete and Ctrl-D the character under the cursor")
    func killing() {
        var editor = LineEditor()
        type("one two  three", into: &editor)
        _ = type(altB, into: &editor)
        #expect(editor.feed(ctrl("w")[0]) == .changed)
        #expect(shown(editor) == "one |three")
        _ = type(delete, into: &editor)
        #expect(shown(editor) == "one |hree")
        _ = type(ctrl("d"), into: &editor)
        #expect(shown(editor) == "one |ree")
        _ = type(ctrl("k"), into: &editor)
        #expect(shown(editor) == "one |")
        _ = type(left, into: &editor)
        _ = type(ctrl("u"), into: &editor)
        #expect(shown(editor) == "| ")
        #expect(editor.feed(ctrl("d")[0]) == .changed)
        #expect(editor.feed(ctrl("d")[0]) == .endOfInput)
    }

    @Test("Alt-Backspace and Alt-D delete a word either side")
    func wordDeletion() {
        var editor = LineEditor()
        type("alpha beta gamma", into: &editor)
        _ = type(altB, into: &editor)
        _ = type([0x1B, 0x7F], into: &editor)
        #expect(shown(editor) == "alpha |gamma")
        _ = type([0x1B, UInt8(ascii: "d")], into: &editor)
        #expect(shown(editor) == "alpha |")
    }

    @Test("arrow keys and Ctrl-P/N browse earlier lines; unknown escape sequences are skipped")
    func history() {
        var editor = LineEditor()
        type("first\rsecond\r", into: &editor)
        type("dra", into: &editor)
        _ = type(up, into: &editor)
        #expect(editor.text == "second")
        _ = type(ctrl("p"), into: &editor)
        #expect(editor.text == "first")
        #expect(editor.cursor == 5)
        _ = type(down + ctrl("n"), into: &editor)
        #expect(editor.text == "dra")
        _ = type(Array("\u{1B}[15~".utf8) + Array("\u{1B}[1;2P".utf8), into: &editor)  // F5, Shift-F1
        #expect(shown(editor) == "dra|")
    }

    @Test("a line holding a password never enters the history")
    func passwordsStayOut() {
        var editor = LineEditor()
        type("/login alice secret\r/register bob hunter2\r/raw LOGIN carol pw\r/login dave\r", into: &editor)
        _ = type(up, into: &editor)
        #expect(editor.text == "/login dave")
        _ = type(up, into: &editor)
        #expect(editor.text == "/login dave")  // nothing older was kept
    }

    @Test("a password asked for is typed into the editor but never kept, and Up does not browse meanwhile")
    func secret() {
        var editor = LineEditor()
        type("/pull\r", into: &editor)
        editor.askSecret()
        #expect(editor.isSecret)
        _ = type(up, into: &editor)
        #expect(editor.text == "")
        type("s3cret", into: &editor)
        #expect(editor.feed(0x0D) == .submit("s3cret"))
        #expect(!editor.isSecret)
        _ = type(up, into: &editor)
        #expect(editor.text == "/pull")
    }
}

@Suite("what the interactive input hands on")
struct InteractiveInputTests {
    private func type(_ text: String, into input: inout InteractiveInput) -> [InteractiveInput.Effect] {
        Array(text.utf8).flatMap { input.feed($0) }.filter { $0 != .edit }
    }

    @Test("/login without a password asks for it unseen, then sends the whole command")
    func asksForPassword() {
        var input = InteractiveInput()
        #expect(type("/login alice\r", into: &input) == [.echo("/login alice"), .ask("password for alice: ")])
        #expect(input.editor.isSecret)
        #expect(type("s3cret\r", into: &input) == [.echo(""), .ask(nil), .run("/login alice s3cret")])
        #expect(type("/register bob\r", into: &input) == [.echo("/register bob"), .ask("password for bob: ")])
        #expect(type("\r", into: &input) == [.echo(""), .ask(nil), .note("no password given: /register bob not sent")])
    }

    @Test("a password typed on the line is masked in the echo")
    func masksEcho() {
        var input = InteractiveInput()
        #expect(type("/login alice secret phone\r", into: &input)
                == [.echo("/login alice ******** phone"), .run("/login alice secret phone")])
        #expect(type("hello\r", into: &input) == [.echo("hello"), .run("hello")])
    }

    @Test("Ctrl-D at the password prompt leaves it; on an empty line it ends the input")
    func leaving() {
        var input = InteractiveInput()
        _ = type("/login alice\r", into: &input)
        #expect(input.feed(0x04) == [.echo(""), .ask(nil), .note("no password given: /login alice not sent")])
        #expect(!input.editor.isSecret)
        #expect(input.feed(0x04) == [.end])
    }
}

@Suite("masking passwords")
struct PasswordMaskTests {
    @Test("the password word is masked wherever a command carries one")
    func masked() {
        #expect(PasswordMask.masked("/login alice secret") == "/login alice ********")
        #expect(PasswordMask.masked("/LOGIN  alice secret phone") == "/LOGIN  alice ******** phone")
        #expect(PasswordMask.masked("/register bob pw") == "/register bob ********")
        #expect(PasswordMask.masked("/raw login carol pw") == "/raw login carol ********")
        #expect(PasswordMask.masked("/login alice") == nil)
        #expect(PasswordMask.masked("/msg bob my password is x") == nil)
        #expect(PasswordMask.masked("/raw SEND 2 LOGIN a b") == nil)
    }
}
