import TestSupport
import Testing

@Suite("Presence: devices and duplicate logins across two gateways")
struct DeviceTests {
    @Test("two devices of one user on different gateways both receive a 1:1 message and a group message")
    func twoDevicesBothReceive() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (sender, _, us) = try await cluster.registeredClient(0, prefix: "s")
            let (phone, name, uid) = try await cluster.registeredClient(0, prefix: "d")  // device cli
            let laptop = try await cluster.client(1)
            try await laptop.login(name, device: "laptop")
            let gid = try await sender.createGroup("devices")
            try await phone.joinGroup(gid)

            let id = try await sender.sendMessage(to: uid, "to both")
            for device in [phone, laptop] {
                let push = try await device.push()
                #expect(push.hasPrefix("MSG id=\(id) from=\(us) ts="), "[\(device.label)] \(push)")
                #expect(field(push, "text") == "to both", "[\(device.label)] \(push)")
            }

            let gmsg = try await sender.sendGroup(gid, "to the group")
            for device in [phone, laptop] {
                let push = try await device.push()
                #expect(push.hasPrefix("GMSG id=\(gmsg) group=\(gid) from=\(us) ts="), "[\(device.label)] \(push)")
                #expect(field(push, "text") == "to the group", "[\(device.label)] \(push)")
            }
            try await sender.expectNoPush(wait: .milliseconds(200), "the sending session gets no GMSG of its own")
            try await laptop.expectEmptyPull("pushed messages are not pulled again")
            try await phone.expectNoPush(wait: .milliseconds(100), "each device got each message once")
        }
    }

    @Test("a 1:1 message sent from one device reaches the sender's other devices, on both gateways, as SENT")
    func sentToOtherDevices() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (phone, name, me) = try await cluster.registeredClient(0, prefix: "d")  // device cli, gateway 1
            let laptop = try await cluster.client(1)
            try await laptop.login(name, device: "laptop")
            let tablet = try await cluster.client(0)
            try await tablet.login(name, device: "tablet")
            let (peer, _, up) = try await cluster.registeredClient(1, prefix: "p")

            let id = try await phone.sendMessage(to: up, "hello  there")
            let received = try await peer.push()
            #expect(received.hasPrefix("MSG id=\(id) from=\(me) ts="), "\(received)")
            for device in [laptop, tablet] {
                let copy = try await device.push()
                #expect(copy.hasPrefix("SENT id=\(id) to=\(up) ts="), "[\(device.label)] \(copy)")
                #expect(field(copy, "text") == "hello  there", "[\(device.label)] \(copy)")
                #expect(field(copy, "ts") == field(received, "ts"))
            }
            try await phone.expectNoPush(wait: .milliseconds(200), "the sending device gets no copy")
            try await laptop.expectEmptyPull("a SENT copy is nothing owed")

            // To oneself: every device, the sending one too, gets the MSG, and none a SENT.
            let own = try await laptop.sendMessage(to: me, "note")
            for device in [phone, laptop, tablet] {
                let push = try await device.push()
                #expect(push.hasPrefix("MSG id=\(own) from=\(me) ts="), "[\(device.label)] \(push)")
            }
            try await tablet.expectNoPush(wait: .milliseconds(200), "no SENT beside the MSG")
        }
    }

    @Test("a login with the same device on the other gateway kicks the first session; the user stays online")
    func sameDeviceKicksOlder() async throws {
        try await withCluster(gateways: 2) { cluster in
            let (first, name, uid) = try await cluster.registeredClient(0, prefix: "d")  // device cli on gateway 1
            let (friend, _, uf) = try await cluster.registeredClient(0, prefix: "f")
            try await friend.befriend(uid)

            let second = try await cluster.client(1)
            #expect(try await second.login(name) == uid)  // device cli again, on gateway 2
            try await first.expectKicked("duplicate login")

            let id = try await friend.sendMessage(to: uid, "to the new session")
            let push = try await second.push()
            #expect(push.hasPrefix("MSG id=\(id) from=\(uf) ts="), "\(push)")
            try await second.expectEmptyPull("the message was pushed to the new session")

            try await friend.expectNoPush(wait: .milliseconds(500),
                                          "the kicked session's close does not make the user offline (nor online again)")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=online")
            try await second.expectReply("PING", "+OK pong", "the new session is not kicked")
        }
    }

    @Test("past max_devices (2) a third device kicks the oldest other device with KICKED reason=too many devices")
    func tooManyDevices() async throws {
        var config = DaemonConfig()
        config["presence", "max_devices"] = "2"
        try await withCluster(gateways: 2, config: config) { cluster in
            let (oldest, name, uid) = try await cluster.registeredClient(1, prefix: "d")  // cli, on gateway 2
            let (friend, _, uf) = try await cluster.registeredClient(0, prefix: "f")
            try await friend.befriend(uid)
            let tablet = try await cluster.client(0)
            try await tablet.login(name, device: "tablet")
            try await oldest.expectNoPush(wait: .milliseconds(200), "two devices are allowed")

            let laptop = try await cluster.client(0)
            try await laptop.login(name, device: "laptop")
            try await oldest.expectKicked("too many devices")
            try await tablet.expectNoPush(wait: .milliseconds(300), "only the oldest device is kicked")

            let id = try await friend.sendMessage(to: uid, "two devices left")
            for device in [tablet, laptop] {
                let push = try await device.push()
                #expect(push.hasPrefix("MSG id=\(id) from=\(uf) "), "[\(device.label)] \(push)")
            }
            try await friend.expectNoPush(wait: .milliseconds(300), "the user never went offline")
            try await friend.expectReply("WHO \(uid)", "+OK \(uid)=online")
        }
    }
}
