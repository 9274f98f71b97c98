/// Where the characters of the input line (prompt and typed text) land on a
/// terminal `width` columns wide, which wraps them onto more rows: a wide
/// character (CJK, emoji) takes two columns and moves to the next row when
/// only one is left. Pure, so the drawing arithmetic is tested without a
/// terminal.
struct InputLayout: Equatable {
    /// A place on the screen relative to where the line starts.
    struct Position: Equatable {
        var row: Int
        var column: Int
    }

    /// Where each character starts.
    let starts: [Position]
    /// Just after the last character; `column` may equal the width (the
    /// terminal then waits to wrap until the next character comes).
    let end: Position
    let width: Int

    init(_ characters: [Character], width: Int) {
        self.width = max(width, 2)
        var row = 0
        var column = 0
        var starts: [Position] = []
        starts.reserveCapacity(characters.count)
        for character in characters {
            let cells = Self.cells(character)
            if column + cells > self.width {
                row += 1
                column = 0
            }
            starts.append(Position(row: row, column: column))
            column += cells
        }
        self.starts = starts
        end = Position(row: row, column: column)
    }

    /// The text filled its last row exactly: the cursor waits at the right
    /// edge, and drawing moves it to a fresh row of its own.
    var endsAtEdge: Bool { end.column >= width }

    /// Where the cursor stands before character `index` (`count`: at the end;
    /// `freshRow`: on the row below the text, where drawing moved it).
    func cursor(at index: Int, freshRow: Bool) -> Position {
        if index < starts.count { return starts[index] }
        if freshRow { return Position(row: end.row + 1, column: 0) }
        return Position(row: end.row, column: min(end.column, width - 1))
    }

    /// Terminal columns a character takes: 0 for a lone combining mark, 2 for
    /// East Asian wide and emoji, else 1.
    static func cells(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        let properties = first.properties
        if properties.generalCategory == .nonspacingMark || properties.generalCategory == .enclosingMark { return 0 }
        if properties.isEmojiPresentation || isWide(first.value) { return 2 }
        if character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) && properties.isEmoji { return 2 }
        return 1
    }

    /// East Asian Wide and Fullwidth blocks.
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            true
        default:
            false
        }
    }
}
