import MPIMLineCodec
import NIOCore
import Testing

@Suite("Line fields")
struct LineFieldTests {
    @Test("key=value words of replies and pushes")
    func words() {
        let line = "MSG id=7 from=3 ts=1700000000000 text=hi"
        #expect(field(line, "id") == "7")
        #expect(field(line, "from") == "3")
        #expect(intField(line, "ts") == 1_700_000_000_000)
        #expect(field("+OK uid=12", "uid") == "12")
        #expect(field("+OK  uid=12  status=away", "status") == "away")
        #expect(field("PRESENCE uid=8 status=", "status") == "")
    }

    @Test("a missing key, a key that only ends another, a value that is not a number")
    func absent() {
        #expect(field("+OK msg_id=5", "id") == nil)
        #expect(field("+OK msg_id=5", "msg") == nil)
        #expect(field("MSG id=7 from=3", "group") == nil)
        #expect(field("-ERR no such user", "user") == nil)
        #expect(intField("+OK uid=x", "uid") == nil)
        #expect(field("", "id") == nil)
    }

    @Test("text= runs to the end of the line, and nothing in it is a field")
    func freeText() {
        let line = "MSG id=7 from=3 ts=1 text=a  b id=9 group=4 text=c "
        #expect(field(line, "text") == "a  b id=9 group=4 text=c ")
        #expect(field(line, "id") == "7")
        #expect(field(line, "group") == nil)
        #expect(field("GMSG id=1 group=2 from=3 ts=4 text=", "text") == "")
    }

    @Test("KICKED reason= and GROUPINFO description= are free text too")
    func otherFreeText() {
        #expect(field("KICKED reason=duplicate login", "reason") == "duplicate login")
        let info = "+OK group_id=3 name=team creator=1 members=2 created_at=5 description=our  team name=x"
        #expect(field(info, "description") == "our  team name=x")
        #expect(field(info, "name") == "team")
    }

    @Test("values come back byte for byte: NUL, tabs, CR, non-ASCII")
    func byteExact() {
        let text = "a\u{0}b\t\r é 🦊 e\u{301}"
        #expect(field("MSG id=1 from=2 ts=3 text=\(text)", "text") == text)
        #expect(field("+OK name=\u{0}x\tz", "name") == "\u{0}x\tz")
        // A combining mark after the space does not hide it: words split on the byte.
        #expect(field("+OK a=1 \u{301}b=2", "a") == "1")
    }

    @Test("a ByteBuffer line gives a slice of the same bytes, invalid UTF-8 included")
    func buffer() throws {
        var line = ByteBuffer(string: "MSG id=1 from=2 ts=3 text=")
        line.writeBytes([0xFF, 0x00, 0x20, 0x41])
        let text = try #require(field(line, "text"))
        #expect(Array(text.readableBytesView) == [0xFF, 0x00, 0x20, 0x41])
        let id = try #require(field(line, "id"))
        #expect(String(buffer: id) == "1")
        #expect(field(line, "group") == nil)
    }

    @Test("a ByteBuffer read past its start is searched from its reader index")
    func bufferReaderIndex() throws {
        var line = ByteBuffer(string: "xx=9 id=3")
        line.moveReaderIndex(forwardBy: 5)
        #expect(field(line, "xx") == nil)
        #expect(String(buffer: try #require(field(line, "id"))) == "3")
    }
}
