@testable import Gateway
import MPIMCore
import Testing

@Suite("Push lines")
struct PushLineTests {
    @Test("MSG and GMSG are the contract's byte-for-byte formats, text last")
    func formats() {
        let direct = ChatMessage(id: 12, sender: 3, conversation: .direct(4), text: "hi  there", timestamp: 1700000000123)
        #expect(Push.message(direct).line == "MSG id=12 from=3 ts=1700000000123 text=hi  there")
        let group = ChatMessage(id: 13, sender: 3, conversation: .group(8), text: "all", timestamp: 5)
        #expect(Push.message(group).line == "GMSG id=13 group=8 from=3 ts=5 text=all")
        #expect(Push.kicked(reason: "duplicate login").line == "KICKED reason=duplicate login")
        #expect(Push.presence(user: 7, status: .away).line == "PRESENCE uid=7 status=away")
        #expect(Push.message(group).messageID == 13)
        #expect(Push.message(group).group == 8)
        #expect(Push.message(direct).group == nil)
        #expect(Push.kicked(reason: "x").messageID == nil)
    }

    @Test("SENT, the copy for the sender's other sessions, names the recipient and moves no cursor")
    func sent() {
        let direct = ChatMessage(id: 12, sender: 3, conversation: .direct(4), text: " two  spaces", timestamp: 17)
        #expect(Push.sent(direct).line == "SENT id=12 to=4 ts=17 text= two  spaces")
        #expect(Push.sent(direct).messageID == nil, "not addressed to the sender: no delivery receipt")
    }
}
