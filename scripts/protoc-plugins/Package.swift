// swift-tools-version:6.0
// The protoc plugins `make proto` runs (scripts/proto.sh builds them into
// .build-plugins): protoc-gen-swift for messages, protoc-gen-grpc-swift-2 for
// services. Only regenerating needs them; the generated Swift is committed,
// so neither a build, `make test` nor CI does.
import PackageDescription

let package = Package(
    name: "protoc-plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    ],
    targets: []
)
