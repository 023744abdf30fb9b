import CRabbitMQ
import Glibc

/// Owns the C memory behind one outgoing call's tables and properties:
/// everything allocated here lives until the arena is released, which is
/// after librabbitmq has serialized the frame.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { for block in blocks { free(block) } }

    private func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let block = malloc(max(size, 1))!
        blocks.append(block)
        return block
    }

    func bytes(_ value: [UInt8]) -> amqp_bytes_t {
        let block = allocate(value.count)
        value.withUnsafeBytes { if let base = $0.baseAddress { block.copyMemory(from: base, byteCount: value.count) } }
        return amqp_bytes_t(len: value.count, bytes: block)
    }

    func bytes(_ value: String) -> amqp_bytes_t { bytes(Array(value.utf8)) }

    func table(_ table: AMQPTable) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_empty_table }
        let entries = allocate(MemoryLayout<amqp_table_entry_t>.stride * table.count)
            .bindMemory(to: amqp_table_entry_t.self, capacity: table.count)
        for (index, (key, value)) in table.enumerated() {
            entries[index] = amqp_table_entry_t(key: bytes(key), value: field(value))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    private func field(_ value: AMQPValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .string(let s):
            field.kind = kind(AMQP_FIELD_KIND_UTF8)
            field.value.bytes = bytes(s)
        case .int(let i):
            field.kind = kind(AMQP_FIELD_KIND_I64)
            field.value.i64 = i
        case .bool(let b):
            field.kind = kind(AMQP_FIELD_KIND_BOOLEAN)
            field.value.boolean = b ? 1 : 0
        case .timestamp(let t):
            field.kind = kind(AMQP_FIELD_KIND_TIMESTAMP)
            field.value.u64 = t
        case .bytes(let b):
            field.kind = kind(AMQP_FIELD_KIND_BYTES)
            field.value.bytes = bytes(b)
        case .table(let t):
            field.kind = kind(AMQP_FIELD_KIND_TABLE)
            field.value.table = table(t)
        case .array(let items):
            let entries = allocate(MemoryLayout<amqp_field_value_t>.stride * items.count)
                .bindMemory(to: amqp_field_value_t.self, capacity: items.count)
            for (index, item) in items.enumerated() { entries[index] = self.field(item) }
            field.kind = kind(AMQP_FIELD_KIND_ARRAY)
            field.value.array = amqp_array_t(num_entries: Int32(items.count), entries: entries)
        case .void:
            field.kind = kind(AMQP_FIELD_KIND_VOID)
        }
        return field
    }

    func properties(_ properties: AMQPProperties) -> amqp_basic_properties_t {
        var c = amqp_basic_properties_t()
        var flags: UInt32 = 0
        func set(_ value: String?, _ flag: Int32, _ assign: (amqp_bytes_t) -> Void) {
            guard let value else { return }
            assign(bytes(value))
            flags |= UInt32(flag)
        }
        set(properties.contentType, AMQP_BASIC_CONTENT_TYPE_FLAG) { c.content_type = $0 }
        set(properties.messageId, AMQP_BASIC_MESSAGE_ID_FLAG) { c.message_id = $0 }
        set(properties.type, AMQP_BASIC_TYPE_FLAG) { c.type = $0 }
        set(properties.correlationId, AMQP_BASIC_CORRELATION_ID_FLAG) { c.correlation_id = $0 }
        set(properties.appId, AMQP_BASIC_APP_ID_FLAG) { c.app_id = $0 }
        set(properties.expiration, AMQP_BASIC_EXPIRATION_FLAG) { c.expiration = $0 }
        c.delivery_mode = properties.persistent ? 2 : 1
        flags |= UInt32(AMQP_BASIC_DELIVERY_MODE_FLAG)
        if let timestamp = properties.timestamp {
            c.timestamp = timestamp
            flags |= UInt32(AMQP_BASIC_TIMESTAMP_FLAG)
        }
        if !properties.headers.isEmpty {
            c.headers = table(properties.headers)
            flags |= UInt32(AMQP_BASIC_HEADERS_FLAG)
        }
        c._flags = flags
        return c
    }

    private func kind(_ kind: amqp_field_value_kind_t) -> UInt8 { UInt8(kind.rawValue) }
}

// MARK: - Decoding what the broker sent

extension amqp_bytes_t {
    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }

    var string: String { String(decoding: array, as: UTF8.self) }
}

extension AMQPTable {
    init(_ table: amqp_table_t) {
        self.init()
        for index in 0..<Int(table.num_entries) {
            let entry = table.entries[index]
            self[entry.key.string] = AMQPValue(entry.value)
        }
    }
}

extension AMQPValue {
    init(_ field: amqp_field_value_t) {
        let v = field.value
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_UTF8.rawValue: self = .string(v.bytes.string)
        case AMQP_FIELD_KIND_BYTES.rawValue: self = .bytes(v.bytes.array)
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: self = .bool(v.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: self = .int(Int64(v.i8))
        case AMQP_FIELD_KIND_U8.rawValue: self = .int(Int64(v.u8))
        case AMQP_FIELD_KIND_I16.rawValue: self = .int(Int64(v.i16))
        case AMQP_FIELD_KIND_U16.rawValue: self = .int(Int64(v.u16))
        case AMQP_FIELD_KIND_I32.rawValue: self = .int(Int64(v.i32))
        case AMQP_FIELD_KIND_U32.rawValue: self = .int(Int64(v.u32))
        case AMQP_FIELD_KIND_I64.rawValue: self = .int(v.i64)
        case AMQP_FIELD_KIND_U64.rawValue: self = .int(Int64(clamping: v.u64))
        case AMQP_FIELD_KIND_TIMESTAMP.rawValue: self = .timestamp(v.u64)
        case AMQP_FIELD_KIND_TABLE.rawValue: self = .table(AMQPTable(v.table))
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            self = .array((0..<Int(v.array.num_entries)).map { AMQPValue(v.array.entries[$0]) })
        default: self = .void  // floats and decimals: FlexFin never sends them
        }
    }
}

extension AMQPProperties {
    init(_ c: amqp_basic_properties_t) {
        let flags = c._flags
        func get(_ flag: Int32, _ value: amqp_bytes_t) -> String? {
            flags & UInt32(flag) != 0 ? value.string : nil
        }
        self.init(
            contentType: get(AMQP_BASIC_CONTENT_TYPE_FLAG, c.content_type),
            messageId: get(AMQP_BASIC_MESSAGE_ID_FLAG, c.message_id),
            type: get(AMQP_BASIC_TYPE_FLAG, c.type),
            correlationId: get(AMQP_BASIC_CORRELATION_ID_FLAG, c.correlation_id),
            appId: get(AMQP_BASIC_APP_ID_FLAG, c.app_id),
            expiration: get(AMQP_BASIC_EXPIRATION_FLAG, c.expiration),
            persistent: flags & UInt32(AMQP_BASIC_DELIVERY_MODE_FLAG) != 0 && c.delivery_mode == 2,
            timestamp: flags & UInt32(AMQP_BASIC_TIMESTAMP_FLAG) != 0 ? c.timestamp : nil,
            headers: flags & UInt32(AMQP_BASIC_HEADERS_FLAG) != 0 ? AMQPTable(c.headers) : [:]
        )
    }
}
