//! Protocol Buffers' wire format, the little of it an ONNX file needs: a message is a sequence
//! of fields, each a key (`field number << 3 | wire type`) then a varint, a fixed 32- or 64-bit
//! value, or a length and that many bytes (strings, packed numbers, nested messages). Written by
//! hand so that exporting needs no code generator and no dependency. (Private: its tests below
//! check it against the byte examples of the protobuf encoding guide.)

/// One message being written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Message {
    buf: Vec<u8>,
}

const VARINT: u64 = 0;
const LENGTH: u64 = 2;
const FIXED32: u64 = 5;

impl Message {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn key(&mut self, field: u64, wire: u64) {
        self.varint(field << 3 | wire);
    }

    /// An integer field (int32, int64 or an enum; negative values as ten-byte varints, as
    /// protobuf writes them).
    pub fn int(&mut self, field: u64, v: i64) -> &mut Self {
        self.key(field, VARINT);
        self.varint(v as u64);
        self
    }

    /// A float field.
    pub fn float(&mut self, field: u64, v: f32) -> &mut Self {
        self.key(field, FIXED32);
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A bytes or string field.
    pub fn bytes_field(&mut self, field: u64, bytes: &[u8]) -> &mut Self {
        self.key(field, LENGTH);
        self.varint(bytes.len() as u64);
        self.buf.extend_from_slice(bytes);
        self
    }

    /// A string field.
    pub fn string(&mut self, field: u64, s: &str) -> &mut Self {
        self.bytes_field(field, s.as_bytes())
    }

    /// A nested message.
    pub fn message(&mut self, field: u64, m: &Message) -> &mut Self {
        self.bytes_field(field, &m.buf)
    }

    /// Packed repeated integers.
    pub fn packed_ints(&mut self, field: u64, values: &[i64]) -> &mut Self {
        let mut inner = Message::default();
        values.iter().for_each(|&v| inner.varint(v as u64));
        self.bytes_field(field, &inner.buf)
    }

    /// The message's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::Message;

    #[test]
    fn the_wire_format_of_the_protobuf_guide() {
        // https://protobuf.dev/programming-guides/encoding/: field 1 = 150 is 08 96 01; field 2 =
        // "testing" is 12 07 74 65 73 74 69 6e 67; negative int64s take ten bytes.
        let mut m = Message::default();
        m.int(1, 150).string(2, "testing");
        assert_eq!(m.bytes(), [0x08, 0x96, 0x01, 0x12, 0x07, b't', b'e', b's', b't', b'i', b'n', b'g']);
        let mut n = Message::default();
        n.int(1, -1);
        assert_eq!(n.bytes(), [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        let mut p = Message::default();
        p.packed_ints(4, &[3, 270, 86942]);
        assert_eq!(p.bytes(), [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
        let mut f = Message::default();
        f.float(1, 1.0);
        assert_eq!(f.bytes(), [0x0d, 0x00, 0x00, 0x80, 0x3f]);
    }
}
