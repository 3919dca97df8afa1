import Foundation
import CZMQ
import Crypto

/// The Jupyter messaging protocol's transport: ZeroMQ sockets (libzmq does ZMTP), the connection
/// file, and signed multipart messages (HMAC-SHA256 from swift-crypto).
/// https://jupyter-client.readthedocs.io/en/latest/messaging.html

struct JupyterError: Error, CustomStringConvertible {
    let description: String
    /// The exit status `coreg kernel` ends with: 66 no connection file, 65 a malformed one, 70 a
    /// socket that cannot be made or bound (a port in use).
    let exitCode: Int32
    init(_ s: String, exitCode: Int32 = 65) { description = s; self.exitCode = exitCode }
}

/// The connection file a Jupyter front end writes before starting the kernel.
struct ConnectionInfo {
    var transport: String
    var ip: String
    var shellPort: Int, iopubPort: Int, stdinPort: Int, controlPort: Int, hbPort: Int
    var key: String
    var signatureScheme: String

    static func load(_ path: String) throws -> ConnectionInfo {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JupyterError("\(path): cannot read the connection file", exitCode: 66)
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw JupyterError("\(path): not a JSON object (expected a Jupyter connection file)")
        }
        func port(_ name: String) throws -> Int {
            guard let p = obj[name] as? Int, (1...65535).contains(p) else {
                throw JupyterError("\(path): '\(name)' must be a port number in 1…65535")
            }
            return p
        }
        let scheme = obj["signature_scheme"] as? String ?? "hmac-sha256"
        guard scheme == "hmac-sha256" else {
            throw JupyterError("\(path): signature_scheme '\(scheme)' is not supported (expected hmac-sha256)")
        }
        let transport = obj["transport"] as? String ?? "tcp"
        guard transport == "tcp" || transport == "ipc" else {
            throw JupyterError("\(path): transport '\(transport)' is not supported (expected tcp or ipc)")
        }
        return ConnectionInfo(transport: transport, ip: obj["ip"] as? String ?? "127.0.0.1",
                              shellPort: try port("shell_port"), iopubPort: try port("iopub_port"),
                              stdinPort: try port("stdin_port"), controlPort: try port("control_port"),
                              hbPort: try port("hb_port"), key: obj["key"] as? String ?? "", signatureScheme: scheme)
    }

    func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
    }
}

/// One libzmq socket, used from one thread at a time (the callers hold a lock where they share).
final class ZSocket {
    let raw: UnsafeMutableRawPointer

    init(context: UnsafeMutableRawPointer, type: Int32) throws {
        guard let s = zmq_socket(context, type) else { throw JupyterError("zmq_socket: \(ZSocket.lastError)", exitCode: 70) }
        raw = s
        var linger: Int32 = 0
        zmq_setsockopt(raw, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    static var lastError: String { String(cString: zmq_strerror(zmq_errno())) }

    func bind(_ endpoint: String) throws {
        guard zmq_bind(raw, endpoint) == 0 else { throw JupyterError("cannot bind \(endpoint): \(ZSocket.lastError)", exitCode: 70) }
    }

    /// All frames of the next message; nil when the context is closing. Interrupted waits (a
    /// SIGINT in signal mode) are retried.
    func receive() -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            let n = zmq_msg_recv(&msg, raw, 0)
            if n < 0 {
                zmq_msg_close(&msg)
                if zmq_errno() == EINTR { continue }
                return nil
            }
            let size = zmq_msg_size(&msg)
            if size > 0, let p = zmq_msg_data(&msg) {
                frames.append([UInt8](UnsafeRawBufferPointer(start: p, count: size)))
            } else {
                frames.append([])
            }
            let more = zmq_msg_more(&msg)
            zmq_msg_close(&msg)
            if more == 0 { return frames }
        }
    }

    func send(_ frames: [[UInt8]]) {
        for (i, f) in frames.enumerated() {
            let flags: Int32 = i < frames.count - 1 ? Int32(ZMQ_SNDMORE) : 0
            while true {
                let rc = f.withUnsafeBytes { zmq_send(raw, $0.baseAddress, f.count, flags) }
                if rc >= 0 || zmq_errno() != EINTR { break }
            }
        }
    }

    func close() { zmq_close(raw) }
}

/// A decoded message: the routing identities, the four signed dictionaries and the raw buffers.
struct JupyterMessage {
    var identities: [[UInt8]]
    var header: [String: Any]
    var parent: [String: Any]
    var metadata: [String: Any]
    var content: [String: Any]
    var type: String { header["msg_type"] as? String ?? "" }
}

/// Signs and checks messages with the connection file's key. An empty key turns signing off, as
/// the protocol says.
struct MessageSigner {
    let key: SymmetricKey?

    init(key: String) { self.key = key.isEmpty ? nil : SymmetricKey(data: Array(key.utf8)) }

    func signature(_ parts: [[UInt8]]) -> String {
        guard let key else { return "" }
        var h = HMAC<SHA256>(key: key)
        for p in parts { h.update(data: p) }
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison of the received signature with the one the parts should have.
    func verify(_ sig: [UInt8], _ parts: [[UInt8]]) -> Bool {
        guard key != nil else { return true }
        let want = Array(signature(parts).utf8)
        guard sig.count == want.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<sig.count { diff |= sig[i] ^ want[i] }
        return diff == 0
    }
}

enum Wire {
    static let delimiter = Array("<IDS|MSG>".utf8)

    static func json(_ obj: [String: Any]) -> [UInt8] {
        (try? [UInt8](JSONSerialization.data(withJSONObject: obj, options: [.withoutEscapingSlashes]))) ?? Array("{}".utf8)
    }

    static func object(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    /// Splits and checks a received multipart message. Returns nil (and says why on stderr) for a
    /// malformed or wrongly signed one: the kernel ignores it and keeps serving.
    static func decode(_ frames: [[UInt8]], signer: MessageSigner) -> JupyterMessage? {
        guard let d = frames.firstIndex(of: delimiter), frames.count >= d + 6 else {
            log("ignored a message without the <IDS|MSG> delimiter and five frames")
            return nil
        }
        let parts = Array(frames[(d + 2)..<(d + 6)])
        guard signer.verify(frames[d + 1], parts) else {
            log("ignored a message with a wrong signature")
            return nil
        }
        guard let header = object(parts[0]), let parent = object(parts[1]), let metadata = object(parts[2]),
              let content = object(parts[3]) else {
            log("ignored a message whose header, parent, metadata or content is not a JSON object")
            return nil
        }
        return JupyterMessage(identities: Array(frames[..<d]), header: header, parent: parent, metadata: metadata, content: content)
    }

    static func log(_ s: String) { writeStderr("coreg kernel: \(s)\n") }

    static let dateFormatter: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
